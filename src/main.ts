// The only module that touches the process: arguments and environment in, listeners up, signals
// handled, an exit code out.
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import type { App } from './app.js';
import { helpText, loadConfig, packageVersion, versionText, type Config } from './config/index.js';
import { parseListenAddress } from './http/server.js';
import { createLog, type Log } from './log.js';
import { logOptionsOf } from './logging/options.js';
import type { Serving } from './serve.js';
import { announceWorker, isWorker, runPrimary } from './workers.js';

const SHUTDOWN_DEADLINE_MS = 20_000;

function wants(argv: string[], ...names: string[]): boolean {
  return argv.some((a) => names.includes(a) || names.some((n) => a === `${n}=true`));
}

async function startCompanions(config: Config, log: Log): Promise<Array<() => Promise<void>>> {
  const closers: Array<() => Promise<void>> = [];
  if (config.devOidcProvider) {
    const { host, port } = parseListenAddress(config.devOidcProvider);
    const listenOn = parseListenAddress(config.httpAddress);
    const local = listenOn.host === '0.0.0.0' || listenOn.host === '::' ? '127.0.0.1' : listenOn.host;
    const redirectUris = config.redirectUrl.startsWith('http')
      ? [config.redirectUrl]
      : [`http://${local}:${listenOn.port}${config.proxyPrefix}/callback`, `http://localhost:${listenOn.port}${config.proxyPrefix}/callback`];
    // oidc-provider (and Koa under it) is loaded only for the development provider: it costs memory
    // and warns about the Node version on import, which a production sidecar should never print.
    const { startDevIdp } = await import('./devidp/index.js');
    const idp = await startDevIdp({
      host, port, quiet: true,
      clients: [{ clientId: config.clientId, clientSecret: config.clientSecret, redirectUris }],
    });
    log.info('development OpenID Provider started', { issuer: idp.issuer });
    closers.push(() => idp.close());
  }
  if (config.demo) {
    // The demo app listens where the (first) upstream points, 127.0.0.1:8080 unless overridden.
    const target = new URL(config.upstreams.find((u) => /^https?:\/\//i.test(u)) ?? 'http://127.0.0.1:8080');
    const { startDemoUpstream } = await import('./demo/upstream.js');
    const server = await startDemoUpstream({ host: target.hostname, port: Number(target.port || 80), proxyPrefix: config.proxyPrefix });
    log.info('demo app started', { url: target.origin });
    closers.push(() => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }));
  }
  return closers;
}

/**
 * V8 settings for a small resident set, applied before anything runs. The HTTP parser of fetch()
 * (provider discovery, token, JWKS calls) and undici is WebAssembly; V8's optimizing tier-up of it
 * allocates ~30 MiB of compiler memory in the second after the first request, which set the process's
 * peak RSS, and leaves ~8 MiB of optimized code. The baseline (Liftoff) code is enough here.
 */
export function tuneV8(env: NodeJS.ProcessEnv = process.env): void {
  setFlagsFromString('--liftoff-only');
  // The young generation: V8 doubles it up to 2 x 16 MiB under load (a 64-bit default), which is
  // the larger part of the heap's growth under load. --max-semi-space-size can only be given at
  // start-up, which `node bin/oauth2-sidecar.js` and `npx oauth2-sidecar` do not do, so the growth
  // is stopped here instead once a semi-space reached 2 MiB (4 MiB of new space; 1 MiB promotes
  // too much into the old generation). An explicit --max-semi-space-size wins.
  const given = [...process.execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => /semi[-_]space/.test(a));
  if (given) return;
  const capped = () => (getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0) >= 4 * 1024 * 1024;
  const cap = () => { setFlagsFromString('--semi-space-growth-factor=1'); };
  if (capped()) { cap(); return; }
  const observer = new PerformanceObserver(() => {
    if (!capped()) return;
    cap();
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  tuneV8(env);
  // Loaded only when asked for, so the proxy's memory holds none of it.
  if (argv[0] === 'inject') {
    const { runInject } = await import('./inject/command.js');
    return runInject(argv.slice(1), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  }
  if (argv[0] === 'inject-webhook') {
    const { runInjectWebhook } = await import('./inject/webhook.js');
    const stopSignal = new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    return runInjectWebhook(argv.slice(1), { stdout: process.stdout, stderr: process.stderr, stopSignal });
  }
  if (wants(argv, '--help', '-help', '-h')) {
    process.stdout.write(helpText());
    return 0;
  }
  if (wants(argv, '--version', '-version')) {
    process.stdout.write(versionText() + '\n');
    return 0;
  }
  const loaded = loadConfig(argv, env);
  for (const w of loaded.warnings) process.stderr.write(`oauth2-sidecar: warning: ${w}\n`);
  if (!loaded.ok) {
    process.stderr.write(`oauth2-sidecar: invalid configuration (${loaded.errors.length} problem${loaded.errors.length === 1 ? '' : 's'}):\n`);
    for (const e of loaded.errors) process.stderr.write(`  ${e}\n`);
    return 1;
  }
  const config = loaded.config;
  if (config.convertConfigToAlpha) {
    const { toAlphaYaml } = await import('./config/alpha-convert.js');
    const { hostEntriesOf } = await import('./config/hosts.js');
    if (hostEntriesOf(config).some((e) => e.where === '--upstream')) {
      process.stderr.write('oauth2-sidecar: --convert-config-to-alpha: host-bound --upstream values (<host>=<url>) have no oauth2-proxy alpha form; list them under the hosts: key of the alpha file instead\n');
      return 1;
    }
    process.stdout.write(toAlphaYaml(config));
    return 0;
  }
  let log: Log;
  try {
    log = createLog(logOptionsOf(config, env));
  } catch (err) {
    process.stderr.write(`oauth2-sidecar: invalid configuration:\n  ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const worker = isWorker();
  if (config.workers > 1 && !worker) {
    // The primary only supervises: the proxy (and its memory) lives in the workers. Companions start
    // here, once, so every worker signs in through the same development provider.
    const closers = await startCompanions(config, log);
    const code = await runPrimary(config.workers, {
      config, log, closers, shutdownDeadlineMs: SHUTDOWN_DEADLINE_MS,
      serveMetrics: async (scrape) => (await import('./serve.js')).serveMetrics(config, { scrape }, log),
    });
    // Every worker has exited and the logs are flushed. Node's cluster can still hold a connection it
    // was handing to a worker that died at that instant, which would keep the primary alive: exit.
    process.exit(code);
  }
  // Loaded here, not at the top: the --workers primary above needs none of the proxy.
  const [{ createApp }, { createMetrics }, { createReloader }, { listenerSettings, listenPlan, serve }, { createHostApps }, { hostConfigsOf }] = await Promise.all([
    import('./app.js'), import('./metrics.js'), import('./reload.js'), import('./serve.js'), import('./hosts.js'), import('./config/hosts.js'),
  ]);
  const metrics = config.metricsAddress !== '' || config.metricsSecureAddress !== '' ? createMetrics() : undefined;
  const appOptions = (c: Config) => {
    const plan = listenPlan(c);
    return { log, version: `v${packageVersion()}`, metrics, tls: plan.tls, httpsPort: plan.httpsPort };
  };
  // Without host entries the App is served directly: host-based routing costs nothing then.
  const buildApp = (c: Config): App => {
    const hosts = hostConfigsOf(c);
    return hosts ? createHostApps(c, hosts, appOptions(c)) : createApp(c, appOptions(c));
  };

  let app: App;
  try {
    app = buildApp(config);
  } catch (err) {
    process.stderr.write(`oauth2-sidecar: invalid configuration:\n  ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (config.configTest) {
    // oauth2-proxy's --config-test reaches the session store too; a configuration that cannot is not OK.
    const problem = await app.checkSessionStore().then(() => undefined, (err: unknown) => (err instanceof Error ? err.message : String(err)));
    await app.close();
    if (problem !== undefined) {
      process.stderr.write(`oauth2-sidecar: invalid configuration:\n  ${problem}\n`);
      return 1;
    }
    process.stdout.write('configuration OK\n');
    return 0;
  }

  const closers = worker ? [] : await startCompanions(config, log);
  try {
    await app.init();
  } catch (err) {
    log.error('start-up failed', { error: err instanceof Error ? err.message : String(err) });
    process.stderr.write(`oauth2-sidecar: ${err instanceof Error ? err.message : String(err)}\n`);
    await app.close().catch(() => {});
    await Promise.all(closers.map((c) => c()));
    log.flush(true);
    return 1;
  }
  let server: Serving;
  try {
    server = await serve(config, app, { log, metrics, proxyOnly: worker });
  } catch (err) {
    process.stderr.write(`oauth2-sidecar: cannot listen: ${err instanceof Error ? err.message : String(err)}\n`);
    await app.close().catch(() => {});
    await Promise.all(closers.map((c) => c()));
    log.flush(true);
    return 1;
  }
  log.info('listening', { address: server.url, upstreams: config.upstreams, ...(server.metricsUrls.length > 0 ? { metrics: server.metricsUrls } : {}), ...(worker ? { pid: process.pid } : {}) });
  announceWorker(metrics);
  if (config.demo) {
    process.stdout.write(`\n  oauth2-sidecar demo is running: open http://127.0.0.1:${server.port}/ and sign in as alice or bob (password: password)\n\n`);
  }
  const reloader = createReloader({
    argv, env, log, initial: config,
    async build(next) {
      const fresh = buildApp(next);
      try {
        await fresh.init();
      } catch (err) {
        await fresh.close().catch(() => {});
        throw err;
      }
      return fresh;
    },
    swap: (fresh) => server.swap(fresh),
    fixed: (c) => ({ listeners: listenerSettings(c), logging: JSON.stringify(logOptionsOf(c, {})), companions: JSON.stringify([c.devOidcProvider, c.demo]) }),
  });
  // The demo's random cookie secret would change on every reload, signing everyone out.
  if (!config.demo) {
    reloader.watchFiles();
    process.on('SIGHUP', () => { void reloader.reload('SIGHUP'); });
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info('shutting down', { signal });
      reloader.close();
      server.close(SHUTDOWN_DEADLINE_MS)
        .then(() => Promise.all(closers.map((c) => c())))
        .catch((err) => log.error('error during shutdown', { error: err instanceof Error ? err.message : String(err) }))
        .finally(() => {
          log.flush(true);
          resolve(0);
          // Lingering keep-alive sockets of libraries must not hold the process past a clean drain.
          setImmediate(() => process.exit(0));
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
