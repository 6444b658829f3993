// The demo application: the deployment guide's "Hello {user}" app. It holds no auth code at all: it
// greets whoever the proxy says is signed in and lists the headers it received, so one can see what
// the sidecar injects (and that spoofed copies never arrive).
import { createServer, type Server } from 'node:http';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const IDENTITY = /^(x-auth-request-|x-forwarded-(user|email|groups|preferred-username|access-token)$|authorization$|gap-auth$)/;

function page(user: string, headers: [string, string][], proxyPrefix: string): string {
  const rows = headers
    .map(([k, v]) => {
      const shown = k === 'authorization' || k === 'x-forwarded-access-token' || k === 'x-auth-request-access-token'
        ? `${v.slice(0, 16)}… (${v.length} chars)`
        : v;
      return `<tr${IDENTITY.test(k) ? ' class="id"' : ''}><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(shown)}</td></tr>`;
    })
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Demo app</title><style>
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f7fb;color:#1f2937}
main{max-width:860px;margin:40px auto;padding:0 20px}
h1{font-size:2rem;margin:0 0 .25rem}p{color:#4b5563}
table{width:100%;border-collapse:collapse;background:#fff;border-radius:10px;overflow:hidden;box-shadow:0 1px 3px rgba(0,0,0,.08)}
th,td{text-align:left;padding:8px 12px;border-bottom:1px solid #eef0f4;font-size:.9rem;vertical-align:top;word-break:break-all}
th{width:34%;font-weight:600;color:#374151}tr.id th,tr.id td{background:#eef2ff}
a{color:#4338ca}
</style></head><body><main>
<h1>Hello ${escapeHtml(user)}</h1>
<p>This app has no authentication code. The sidecar signed you in and passed your identity in the highlighted headers.</p>
<p><a href="${escapeHtml(proxyPrefix)}/sign_out">Sign out</a></p>
<h2>Headers this app received</h2>
<table><tbody>${rows}</tbody></table>
</main></body></html>`;
}

export function startDemoUpstream(opts: { host: string; port: number; proxyPrefix: string }): Promise<Server> {
  const server = createServer((req, res) => {
    const h = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const user = h('x-auth-request-user') || h('x-forwarded-user') || 'stranger';
    const headers = Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v ?? ''] as [string, string]);
    headers.sort((a, b) => a[0].localeCompare(b[0]));
    if ((req.headers.accept ?? '').includes('application/json')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ greeting: `Hello ${user}`, headers: Object.fromEntries(headers) }));
      return;
    }
    const body = page(user, headers, opts.proxyPrefix);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve(server));
  });
}
