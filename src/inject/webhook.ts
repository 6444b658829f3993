// `oauth2-sidecar inject-webhook`: a Kubernetes mutating admission webhook over HTTPS. POST /mutate
// takes an AdmissionReview and answers with the decision of admission.ts; GET /healthz is the
// probe. The certificate files are read again when they change on disk (cert-manager rotation).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { packageVersion } from '../config/index.js';
import { BadReview, reviewAdmission, type WebhookSidecarOptions } from './admission.js';
import { DEFAULT_IMAGE_REPOSITORY } from './command.js';
import { parseFlags, parseImage, parseK8sName, type FlagSpec } from './flags.js';
import { SIDECAR_NODE_OPTIONS } from './sidecar.js';

export interface WebhookIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** Resolves with the signal's name when the process is asked to stop. */
  stopSignal: Promise<string>;
}

// Kubernetes caps admission requests at about 3 MiB; anything bigger is not one.
const MAX_BODY = 4 * 1024 * 1024;
const CERT_RELOAD_MS = 60_000;

const FLAGS: Record<string, FlagSpec> = {
  listen: {},
  'tls-cert-file': {},
  'tls-key-file': {},
  image: {},
  'config-map': {},
  'templates-config-map': {},
  secret: {},
  help: { boolean: true, alias: 'h' },
};

export const WEBHOOK_HELP = `Usage: oauth2-sidecar inject-webhook --tls-cert-file=FILE --tls-key-file=FILE [flags]

A mutating admission webhook (AdmissionReview v1, HTTPS) that adds the oauth2-sidecar container to
pods annotated oauth2-sidecar/inject: "true". Annotations read from the pod:
  oauth2-sidecar/upstream-port   the app's port on 127.0.0.1 (default 8080)
  oauth2-sidecar/host            the app's public host, for the redirect URL (optional)
Serves POST /mutate and GET /healthz.

  --listen HOST:PORT           default 0.0.0.0:8443
  --tls-cert-file FILE         PEM certificate chain (required)
  --tls-key-file FILE          PEM private key (required)
  --image IMAGE                sidecar image (default ${DEFAULT_IMAGE_REPOSITORY}:<version>)
  --config-map NAME            ConfigMap holding oauth2_proxy.cfg (default oauth2-proxy-config)
  --templates-config-map NAME  ConfigMap holding the page templates (default oauth2-proxy-templates)
  --secret NAME                Secret with client-id, client-secret, cookie-secret (default oauth2-proxy-secret)
`;

export interface RunningWebhook {
  port: number;
  server: Server;
  close(): Promise<void>;
}

type Logger = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

function jsonLogger(out: { write(s: string): unknown }): Logger {
  return (level, msg, fields = {}) => {
    out.write(JSON.stringify({ time: new Date().toISOString(), level, container: 'oauth2-sidecar-injector', msg, ...fields }) + '\n');
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new BadReview('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

export async function startWebhook(o: {
  host: string;
  port: number;
  certFile: string;
  keyFile: string;
  sidecar: WebhookSidecarOptions;
  log: Logger;
}): Promise<RunningWebhook> {
  let cert = readFileSync(o.certFile);
  let key = readFileSync(o.keyFile);
  const server = createServer({ cert, key, minVersion: 'TLSv1.2' }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('OK');
      return;
    }
    if (path !== '/mutate') return send(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return send(res, 405, { error: 'POST an AdmissionReview' });
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return send(res, 415, { error: 'expected application/json' });
    readBody(req)
      .then((body) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch {
          throw new BadReview('the body is not JSON');
        }
        const { review, decision, uid } = reviewAdmission(parsed, o.sidecar);
        const request = (parsed as { request: { namespace?: string; object?: { metadata?: { name?: string; generateName?: string } } } }).request;
        const pod = request.object?.metadata?.name || request.object?.metadata?.generateName || '';
        const fields = { uid, namespace: request.namespace ?? '', pod, outcome: decision.outcome };
        if (decision.outcome === 'denied') o.log('warn', 'pod refused', { ...fields, reason: decision.message });
        else if (decision.outcome === 'injected') o.log('info', 'sidecar injected', { ...fields, upstream_port: decision.upstreamPort });
        else o.log('info', 'pod left unchanged', { ...fields, reason: decision.reason });
        send(res, 200, review);
      })
      .catch((err: unknown) => {
        if (err instanceof BadReview) return send(res, 400, { error: err.message });
        o.log('error', 'admission request failed', { error: err instanceof Error ? err.message : String(err) });
        send(res, 500, { error: 'internal error' });
      });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  const reload = setInterval(() => {
    try {
      const c = readFileSync(o.certFile);
      const k = readFileSync(o.keyFile);
      if (c.equals(cert) && k.equals(key)) return;
      server.setSecureContext({ cert: c, key: k, minVersion: 'TLSv1.2' });
      cert = c;
      key = k;
      o.log('info', 'certificate reloaded');
    } catch (err) {
      o.log('warn', 'certificate reload failed; keeping the current one', { error: (err as Error).message });
    }
  }, CERT_RELOAD_MS);
  reload.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(reload);
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function parseListen(value: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new Error(`--listen: ${JSON.stringify(value)} is not HOST:PORT`);
  const host = m[1]!.replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

export async function runInjectWebhook(argv: string[], io: WebhookIo): Promise<number> {
  let config: Parameters<typeof startWebhook>[0];
  const log = jsonLogger(io.stdout);
  try {
    const { values, positional } = parseFlags(argv, FLAGS);
    if (values.get('help') === 'true') {
      io.stdout.write(WEBHOOK_HELP);
      return 0;
    }
    if (positional.length > 0) throw new Error(`unexpected argument ${JSON.stringify(positional[0])}`);
    const certFile = values.get('tls-cert-file');
    const keyFile = values.get('tls-key-file');
    const missing = [!certFile && '--tls-cert-file', !keyFile && '--tls-key-file'].filter(Boolean);
    if (missing.length > 0) throw new Error(`${missing.join(', ')}: required (admission webhooks are served over HTTPS only)`);
    const { host, port } = parseListen(values.get('listen') ?? '0.0.0.0:8443');
    config = {
      host,
      port,
      certFile: certFile!,
      keyFile: keyFile!,
      log,
      sidecar: {
        image: parseImage(values.get('image') ?? `${DEFAULT_IMAGE_REPOSITORY}:${packageVersion()}`, '--image'),
        configMap: parseK8sName(values.get('config-map') ?? 'oauth2-proxy-config', '--config-map'),
        templatesConfigMap: parseK8sName(values.get('templates-config-map') ?? 'oauth2-proxy-templates', '--templates-config-map'),
        secret: parseK8sName(values.get('secret') ?? 'oauth2-proxy-secret', '--secret'),
        nodeOptions: SIDECAR_NODE_OPTIONS,
      },
    };
  } catch (err) {
    io.stderr.write(`oauth2-sidecar inject-webhook: ${(err as Error).message}\n(see oauth2-sidecar inject-webhook --help)\n`);
    return 2;
  }
  let running: RunningWebhook;
  try {
    running = await startWebhook(config);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const what = e.code === 'ENOENT' ? `cannot read ${e.path ?? 'the certificate files'} (--tls-cert-file / --tls-key-file)` : e.message;
    io.stderr.write(`oauth2-sidecar inject-webhook: ${what}\n`);
    return 1;
  }
  log('info', 'listening', { address: `https://${config.host}:${running.port}` });
  const signal = await io.stopSignal;
  log('info', 'shutting down', { signal });
  await running.close();
  return 0;
}
