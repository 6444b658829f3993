// The two upstreams answered inside the proxy, as oauth2-proxy has them:
//   static://CODE        every request gets CODE with the body "Authenticated" (a bare
//                        authentication gate, e.g. behind nginx);
//   file:///dir#/mount/  files of /dir under /mount/.
//
// Files are served read-only, GET and HEAD only, and never from outside the directory: segments are
// decoded one by one and refused when they are `.`/`..`, hold a separator or NUL, or start with a
// dot (no .git or .htpasswd); the real path (symlinks resolved) must stay inside the directory's
// real path. Directories serve their index.html and are never listed.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { ProxyError } from '../errors.js';
import type { Route } from './routes.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8', '.md': 'text/markdown; charset=utf-8', '.xml': 'application/xml',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif',
  '.webp': 'image/webp', '.ico': 'image/x-icon', '.woff': 'font/woff', '.woff2': 'font/woff2', '.pdf': 'application/pdf',
  '.wasm': 'application/wasm', '.map': 'application/json',
};

export function serveStatic(res: ServerResponse, route: Route): void {
  const body = 'Authenticated';
  res.statusCode = route.staticStatus;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

const realRoots = new Map<string, Promise<string>>();

export async function serveFile(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    throw new ProxyError('METHOD_NOT_ALLOWED', 'Only GET and HEAD are allowed here.');
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const rest = route.prefix ? path.slice(route.path.length) : '';
  const segments: string[] = [];
  for (const raw of rest.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      throw notFound();
    }
    if (seg.startsWith('.') || seg.includes('/') || seg.includes('\\') || seg.includes('\0')) throw notFound();
    segments.push(seg);
  }
  let root = realRoots.get(route.fileRoot);
  if (root === undefined) realRoots.set(route.fileRoot, (root = realpath(route.fileRoot)));
  const rootReal = await root.catch(() => {
    realRoots.delete(route.fileRoot);
    throw new ProxyError('NOT_FOUND', 'Not found.');
  });

  let file = await inside(rootReal, join(rootReal, ...segments));
  let st = await stat(file).catch(() => { throw notFound(); });
  if (st.isDirectory()) {
    if (!path.endsWith('/')) {
      res.statusCode = 301;
      res.setHeader('Location', path + '/' + (q === -1 ? '' : url.slice(q)));
      res.setHeader('Content-Length', 0);
      res.end();
      return;
    }
    file = await inside(rootReal, join(file, 'index.html'));
    st = await stat(file).catch(() => { throw notFound(); });
  }
  if (!st.isFile()) throw notFound();

  const modified = new Date(Math.floor(st.mtimeMs / 1000) * 1000);
  res.setHeader('Last-Modified', modified.toUTCString());
  res.setHeader('X-Content-Type-Options', 'nosniff');
  const since = req.headers['if-modified-since'];
  if (since !== undefined && !Number.isNaN(Date.parse(since)) && modified.getTime() <= Date.parse(since)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Type', TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream');
  res.setHeader('Content-Length', st.size);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(file);
    stream.once('error', () => {
      res.destroy();
      resolve();
    });
    res.once('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
}

/** The real path of `candidate`, when it exists and stays inside `rootReal`. */
async function inside(rootReal: string, candidate: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw notFound();
  }
  if (real !== rootReal && !real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep)) throw notFound();
  return real;
}

function notFound(): ProxyError {
  return new ProxyError('NOT_FOUND', 'Not found.');
}
