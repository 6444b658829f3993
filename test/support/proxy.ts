// Starts oauth2-sidecar in the test process on a free loopback port, with its log lines captured so
// tests can assert what was (and was not) logged.
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { listen, type RunningServer } from '../../src/http/server.js';
import { createLog } from '../../src/log.js';
import { freePort } from './ports.js';

export const TEST_COOKIE_SECRET = 'kS9nG2xV7qL4wP1zR8tY3uB6mC0dF5hJ';

export interface RunningProxy {
  url: string;
  port: number;
  config: Config;
  logs: Array<Record<string, unknown>>;
  logText(): string;
  close(): Promise<void>;
}

export async function startProxy(args: string[], env: Record<string, string> = {}, port?: number): Promise<RunningProxy> {
  port ??= await freePort();
  const loaded = loadConfig([`--http-address=127.0.0.1:${port}`, ...args], env);
  if (!loaded.ok) throw new Error(`test proxy configuration invalid:\n${loaded.errors.join('\n')}`);
  const logs: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      const text = chunk.toString();
      raw.push(text);
      for (const line of text.split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  const config = loaded.config;
  const log = createLog({ standardLogging: config.standardLogging, authLogging: config.authLogging, requestLogging: config.requestLogging, destination });
  const app = createApp(config, { log, version: 'test' });
  await app.init();
  const server: RunningServer = await listen({ host: '127.0.0.1', port }, { request: app.handleRequest, upgrade: app.handleUpgrade });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    config,
    logs,
    logText: () => raw.join(''),
    async close() {
      await server.close(2000);
      await app.close();
    },
  };
}

/** The arguments every integration test needs to point the proxy at a test IdP and upstream. */
export function baseArgs(o: { issuer: string; upstream: string; extra?: string[] }): string[] {
  return [
    '--provider=oidc',
    `--oidc-issuer-url=${o.issuer}`,
    '--client-id=proxy',
    '--client-secret=proxy-secret',
    `--cookie-secret=${TEST_COOKIE_SECRET}`,
    '--cookie-secure=false',
    '--email-domain=*',
    `--upstream=${o.upstream}`,
    ...(o.extra ?? []),
  ];
}
