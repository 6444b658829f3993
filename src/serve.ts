// The listeners: the proxy's own (plain HTTP, or HTTPS when a certificate is configured, which then
// replaces the HTTP listener as oauth2-proxy's legacy configuration does), and the optional metrics
// listeners. Certificates are followed as their files change. The request handler is looked up per
// request, so a reloaded configuration's App can take over without closing a socket; the App it
// replaces finishes its in-flight requests before its upstream pools are closed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { App } from './app.js';
import type { Config } from './config/index.js';
import { nodeMinVersion, opensslCiphers } from './config/tls.js';
import { listen, parseListenAddress, type RunningServer } from './http/server.js';
import { loadTlsMaterial, watchTlsFiles, type CertificateWatcher, type TlsFiles } from './http/tls.js';
import type { Log } from './log.js';
import { metricsHandler, type Metrics } from './metrics.js';

export interface ListenPlan {
  /** HTTPS (legacy: a certificate and key are configured) instead of plain HTTP. */
  tls: boolean;
  address: { host: string; port: number };
  /** For --force-https redirects. */
  httpsPort: number | undefined;
}

export function listenPlan(config: Config): ListenPlan {
  const tls = config.tlsCertFile !== '' && config.tlsKeyFile !== '';
  const address = parseListenAddress(tls ? config.httpsAddress : config.httpAddress);
  return { tls, address, httpsPort: tls ? address.port : undefined };
}

/** What a reload cannot change without new sockets; compared to tell the operator to restart. */
export function listenerSettings(config: Config): string {
  return JSON.stringify([config.httpAddress, config.httpsAddress, config.tlsCertFile, config.tlsKeyFile, config.metricsAddress, config.metricsSecureAddress, config.metricsTlsCertFile, config.metricsTlsKeyFile, config.tlsMinVersion, config.tlsCipherSuites]);
}

export interface Serving {
  /** Where the proxy listens, as a URL. */
  readonly url: string;
  readonly port: number;
  readonly metricsUrls: string[];
  /** Hands new requests to `app`; the previous App is closed once its requests are done. */
  swap(app: App): void;
  close(deadlineMs: number): Promise<void>;
}

const RETIRE_DEADLINE_MS = 60_000;

function tlsFiles(certFile: string, keyFile: string, config: Config): TlsFiles {
  const ciphers = opensslCiphers(config.tlsCipherSuites);
  return {
    certFile, keyFile,
    minVersion: nodeMinVersion(config.tlsMinVersion) ?? 'TLSv1.2',
    ...('ciphers' in ciphers && ciphers.ciphers ? { ciphers: ciphers.ciphers } : {}),
  };
}

export async function serve(config: Config, first: App, deps: { log: Log; metrics?: Metrics; proxyOnly?: boolean }): Promise<Serving> {
  const { log } = deps;
  let active = { app: first, inFlight: 0, retired: undefined as (() => void) | undefined };
  const servers: RunningServer[] = [];
  const watchers: CertificateWatcher[] = [];

  const handlers = {
    request(req: IncomingMessage, res: ServerResponse) {
      const a = active;
      a.inFlight++;
      res.once('close', () => { if (--a.inFlight === 0) a.retired?.(); });
      a.app.handleRequest(req, res);
    },
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      active.app.handleUpgrade(req, socket, head);
    },
  };

  const secure = async (address: { host: string; port: number }, files: TlsFiles, what: string, h: typeof handlers | { request: typeof handlers.request; upgrade: typeof handlers.upgrade }) => {
    const material = loadTlsMaterial(files);
    const server = await listen(address, h, { tls: material.options });
    watchers.push(watchTlsFiles(files, material, {
      apply: (m) => {
        server.setSecureContext(m.options);
        log.info(`${what}: new TLS certificate loaded`, { cert_file: files.certFile });
      },
      onInvalid: (reason) => log.error(`${what}: new TLS certificate refused; the previous one is still served`, { reason }),
    }));
    return server;
  };

  const plan = listenPlan(config);
  const main = plan.tls
    ? await secure(plan.address, tlsFiles(config.tlsCertFile, config.tlsKeyFile, config), 'https listener', handlers)
    : await listen(plan.address, handlers);
  servers.push(main);

  const metricsUrls: string[] = [];
  if (deps.metrics && !deps.proxyOnly) {
    const handler = metricsHandler(deps.metrics);
    const noUpgrade = { request: handler, upgrade: (_req: IncomingMessage, socket: Duplex) => { socket.destroy(); } };
    try {
      if (config.metricsAddress !== '') {
        const s = await listen(parseListenAddress(config.metricsAddress), noUpgrade);
        servers.push(s);
        metricsUrls.push(`http://${s.host}:${s.port}/metrics`);
      }
      if (config.metricsSecureAddress !== '') {
        const s = await secure(parseListenAddress(config.metricsSecureAddress), tlsFiles(config.metricsTlsCertFile, config.metricsTlsKeyFile, config), 'metrics listener', noUpgrade);
        servers.push(s);
        metricsUrls.push(`https://${s.host}:${s.port}/metrics`);
      }
    } catch (err) {
      await Promise.all(servers.map((s) => s.close(0)));
      for (const w of watchers) w.close();
      throw err;
    }
  }

  return {
    url: `${plan.tls ? 'https' : 'http'}://${main.host}:${main.port}`,
    port: main.port,
    metricsUrls,
    swap(app) {
      const old = active;
      active = { app, inFlight: 0, retired: undefined };
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        old.app.close().catch((err) => log.error('closing the previous configuration failed', { error: err instanceof Error ? err.message : String(err) }));
      };
      // Long-lived requests (streams, long polls) must not keep the old pools open forever.
      const timer = setTimeout(finish, RETIRE_DEADLINE_MS);
      timer.unref();
      if (old.inFlight === 0) finish();
      else old.retired = finish;
    },
    async close(deadlineMs) {
      for (const w of watchers) w.close();
      await Promise.all(servers.map((s) => s.close(deadlineMs)));
      await active.app.close();
    },
  };
}

/**
 * The metrics listeners alone, answered by `scrape`: the --workers primary serves them and sums its
 * workers' metrics, which then listen on the proxy's address only.
 */
export async function serveMetrics(config: Config, scrape: Pick<Metrics, 'scrape'>, log: Log): Promise<{ urls: string[]; close(deadlineMs: number): Promise<void> }> {
  const servers: RunningServer[] = [];
  const watchers: CertificateWatcher[] = [];
  const handler = metricsHandler(scrape);
  const noUpgrade = { request: handler, upgrade: (_req: IncomingMessage, socket: Duplex) => { socket.destroy(); } };
  const urls: string[] = [];
  try {
    if (config.metricsAddress !== '') {
      const s = await listen(parseListenAddress(config.metricsAddress), noUpgrade);
      servers.push(s);
      urls.push(`http://${s.host}:${s.port}/metrics`);
    }
    if (config.metricsSecureAddress !== '') {
      const files = tlsFiles(config.metricsTlsCertFile, config.metricsTlsKeyFile, config);
      const material = loadTlsMaterial(files);
      const s = await listen(parseListenAddress(config.metricsSecureAddress), noUpgrade, { tls: material.options });
      watchers.push(watchTlsFiles(files, material, {
        apply: (m) => {
          s.setSecureContext(m.options);
          log.info('metrics listener: new TLS certificate loaded', { cert_file: files.certFile });
        },
        onInvalid: (reason) => log.error('metrics listener: new TLS certificate refused; the previous one is still served', { reason }),
      }));
      servers.push(s);
      urls.push(`https://${s.host}:${s.port}/metrics`);
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close(0)));
    for (const w of watchers) w.close();
    throw err;
  }
  return {
    urls,
    async close(deadlineMs) {
      for (const w of watchers) w.close();
      await Promise.all(servers.map((s) => s.close(deadlineMs)));
    },
  };
}
