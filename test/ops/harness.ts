// The proxy as main() runs it (listeners from serve(), metrics, logging options from the
// configuration), in the test process, with its log lines captured.
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createLog, type LogOptions } from '../../src/log.js';
import { logOptionsOf } from '../../src/logging/options.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';
import { listenPlan, serve, type Serving } from '../../src/serve.js';
import { TEST_COOKIE_SECRET } from '../support/proxy.js';

export interface OpsProxy {
  config: Config;
  serving: Serving;
  metrics: Metrics | undefined;
  lines: string[];
  close(): Promise<void>;
}

export async function startOpsProxy(args: string[], opts: { env?: Record<string, string>; log?: Partial<LogOptions> } = {}): Promise<OpsProxy> {
  const loaded = loadConfig(args, opts.env ?? {});
  if (!loaded.ok) throw new Error(`test proxy configuration invalid:\n${loaded.errors.join('\n')}`);
  const config = loaded.config;
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(l);
      done();
    },
  });
  const log = createLog({ ...logOptionsOf(config, opts.env ?? {}), destination, ...opts.log });
  const metrics = config.metricsAddress !== '' || config.metricsSecureAddress !== '' ? createMetrics() : undefined;
  const plan = listenPlan(config);
  const app = createApp(config, { log, version: 'test', metrics, tls: plan.tls, httpsPort: plan.httpsPort });
  await app.init();
  const serving = await serve(config, app, { log, metrics });
  return { config, serving, metrics, lines, close: () => serving.close(2000) };
}

export function opsArgs(o: { issuer: string; upstream: string; extra?: string[] }): string[] {
  return [
    '--http-address=127.0.0.1:0', '--provider=oidc', `--oidc-issuer-url=${o.issuer}`, '--client-id=proxy', '--client-secret=proxy-secret',
    `--cookie-secret=${TEST_COOKIE_SECRET}`, '--cookie-secure=false', '--email-domain=*', `--upstream=${o.upstream}`, ...(o.extra ?? []),
  ];
}

/** Parses a Prometheus text exposition into `name{labels}` → value. */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
