// The only module that touches the process: arguments and environment in, listeners up, signals
// handled, an exit code out.
import { createApp } from './app.js';
import { helpText, loadConfig, packageVersion, versionText, type Config } from './config/index.js';
import { startDevIdp } from './devidp/index.js';
import { startDemoUpstream } from './demo/upstream.js';
import { listen, parseListenAddress } from './http/server.js';
import { createLog, type Log } from './log.js';

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
    const idp = await startDevIdp({
      host, port, quiet: true,
      clients: [{ clientId: config.clientId, clientSecret: config.clientSecret, redirectUris }],
    });
    log.info('development OpenID Provider started', { issuer: idp.issuer });
    closers.push(() => idp.close());
  }
  if (config.demo) {
    // The demo app listens where the (first) upstream points, 127.0.0.1:8080 unless overridden.
    const target = new URL(config.upstreams[0] ?? 'http://127.0.0.1:8080');
    const server = await startDemoUpstream({ host: target.hostname, port: Number(target.port || 80), proxyPrefix: config.proxyPrefix });
    log.info('demo app started', { url: target.origin });
    closers.push(() => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }));
  }
  return closers;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
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
  const log = createLog({ standardLogging: config.standardLogging, authLogging: config.authLogging, requestLogging: config.requestLogging });

  let app;
  try {
    app = createApp(config, { log, version: `v${packageVersion()}` });
  } catch (err) {
    process.stderr.write(`oauth2-sidecar: invalid configuration:\n  ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (config.configTest) {
    process.stdout.write('configuration OK\n');
    return 0;
  }

  const closers = await startCompanions(config, log);
  try {
    await app.init();
  } catch (err) {
    log.error('provider initialisation failed', { error: err instanceof Error ? err.message : String(err) });
    process.stderr.write(`oauth2-sidecar: ${err instanceof Error ? err.message : String(err)}\n`);
    await Promise.all(closers.map((c) => c()));
    log.flush();
    return 1;
  }
  const address = parseListenAddress(config.httpAddress);
  const server = await listen(address, { request: app.handleRequest, upgrade: app.handleUpgrade });
  log.info('listening', { address: `http://${address.host}:${server.port}`, upstreams: config.upstreams });
  if (config.demo) {
    process.stdout.write(`\n  oauth2-sidecar demo is running: open http://127.0.0.1:${server.port}/ and sign in as alice or bob (password: password)\n\n`);
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info('shutting down', { signal });
      server.close(SHUTDOWN_DEADLINE_MS)
        .then(() => app.close())
        .then(() => Promise.all(closers.map((c) => c())))
        .catch((err) => log.error('error during shutdown', { error: err instanceof Error ? err.message : String(err) }))
        .finally(() => {
          log.flush();
          resolve(0);
          // Lingering keep-alive sockets of libraries must not hold the process past a clean drain.
          setImmediate(() => process.exit(0));
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
