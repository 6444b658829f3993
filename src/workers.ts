// --workers N (oauth2-sidecar only): the primary process forks N workers with node:cluster. The
// workers share the proxy's listening port (the primary accepts and hands connections round-robin)
// and each runs the whole proxy. The primary loads none of the proxy: it only forks, restarts a
// worker that dies (with a growing delay), forwards SIGHUP (each worker reloads its configuration)
// and SIGTERM/SIGINT (each worker drains), exits once every worker has exited, and serves the metrics
// listeners itself, summing the workers' counters, so a scrape sees the whole process tree.
import cluster, { type Worker } from 'node:cluster';
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import type { Config } from './config/index.js';
import type { Log } from './log.js';
import type { Metrics } from './metrics.js';

const METRICS_REQUEST = 'oauth2-sidecar:metrics';
const METRICS_REPLY = 'oauth2-sidecar:metrics-reply';
const READY = 'oauth2-sidecar:ready';
const SCRAPE_TIMEOUT_MS = 5_000;
const RESTART_MIN_MS = 250;
const RESTART_MAX_MS = 30_000;
/** A worker that ran this long before dying starts the backoff over. */
const STABLE_MS = 60_000;

export function isWorker(): boolean {
  return cluster.isWorker;
}

/** In a worker: tells the primary the worker is serving, and answers its metrics requests. */
export function announceWorker(metrics: Metrics | undefined): void {
  if (!cluster.isWorker) return;
  process.on('message', (msg: unknown) => {
    if (!metrics || !isMsg(msg) || msg.type !== METRICS_REQUEST) return;
    metrics.registry.getMetricsAsJSON().then(
      (json) => process.send?.({ type: METRICS_REPLY, id: msg.id, json }),
      () => process.send?.({ type: METRICS_REPLY, id: msg.id, json: [] }),
    );
  });
  process.send?.({ type: READY });
}

interface Msg { type: string; id?: number; json?: unknown }
function isMsg(m: unknown): m is Msg {
  return typeof m === 'object' && m !== null && typeof (m as Msg).type === 'string';
}

export interface PrimaryDeps {
  config: Config;
  log: Log;
  /** Starts the metrics listeners in the primary with this scrape function; returns their closer. */
  serveMetrics(scrape: () => Promise<{ contentType: string; body: string }>): Promise<{ urls: string[]; close(deadlineMs: number): Promise<void> }>;
  /** Companions (development provider, demo app) started in the primary; closed at the end. */
  closers: Array<() => Promise<void>>;
  shutdownDeadlineMs: number;
}

export async function runPrimary(count: number, deps: PrimaryDeps): Promise<number> {
  const { log } = deps;
  const workers = new Set<Worker>();
  const readyIds = new Set<number>();
  let stopping = false;
  let failures = 0;
  let startupFailed: number | undefined;
  let everyoneUp!: () => void;
  const allUp = new Promise<void>((resolve) => { everyoneUp = resolve; });
  let allExited: (() => void) | undefined;

  const fork = () => {
    const started = Date.now();
    const w = cluster.fork();
    workers.add(w);
    w.on('message', (msg: unknown) => {
      if (!isMsg(msg)) return;
      if (msg.type === READY) {
        readyIds.add(w.id);
        log.info('worker started', { worker: w.id, pid: w.process.pid });
        if (readyIds.size >= count) everyoneUp();
      } else if (msg.type === METRICS_REPLY && typeof msg.id === 'number') {
        pending.get(msg.id)?.(w.id, msg.json);
      }
    });
    w.on('exit', (code, signal) => {
      workers.delete(w);
      const wasReady = readyIds.delete(w.id);
      if (stopping) {
        if (workers.size === 0) allExited?.();
        return;
      }
      if (!wasReady) {
        // A worker that never came up (bad configuration, port taken, provider unreachable at
        // start-up) would fail the same way again: stop everything, with its exit code.
        startupFailed = typeof code === 'number' && code !== 0 ? code : 1;
        log.error('worker failed to start; stopping', { worker: w.id, pid: w.process.pid, code, signal });
        stop('worker start-up failure');
        return;
      }
      failures = Date.now() - started > STABLE_MS ? 1 : failures + 1;
      const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** (failures - 1));
      log.error('worker exited; restarting', { worker: w.id, pid: w.process.pid, code, signal, restart_in_ms: delay });
      const t = setTimeout(() => { if (!stopping) fork(); }, delay);
      t.unref();
      restarts.add(t);
    });
  };
  const restarts = new Set<NodeJS.Timeout>();

  let nextId = 0;
  const pending = new Map<number, (worker: number, json: unknown) => void>();
  const scrape = async () => {
    const { AggregatorRegistry } = createRequire(import.meta.url)('prom-client') as typeof PromClient;
    const id = ++nextId;
    const targets = [...workers].filter((w) => readyIds.has(w.id));
    const replies = await new Promise<unknown[]>((resolve) => {
      const got = new Map<number, unknown>();
      const done = () => { clearTimeout(timer); pending.delete(id); resolve([...got.values()]); };
      const timer = setTimeout(done, SCRAPE_TIMEOUT_MS);
      pending.set(id, (worker, json) => {
        got.set(worker, json);
        if (got.size >= targets.length) done();
      });
      for (const w of targets) w.send({ type: METRICS_REQUEST, id });
      if (targets.length === 0) done();
    });
    const registry = AggregatorRegistry.aggregate(replies.filter(Array.isArray));
    return { contentType: registry.contentType, body: await registry.metrics() };
  };

  let finished!: (code: number) => void;
  const result = new Promise<number>((resolve) => { finished = resolve; });
  let metricsServer: { urls: string[]; close(deadlineMs: number): Promise<void> } | undefined;

  function stop(reason: string): void {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal: reason, workers: workers.size });
    for (const t of restarts) clearTimeout(t);
    const exited = workers.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => { allExited = resolve; });
    for (const w of workers) w.process.kill('SIGTERM');
    // A worker that does not drain in time is killed, as Kubernetes would after its grace period.
    const force = setTimeout(() => { for (const w of workers) w.process.kill('SIGKILL'); }, deps.shutdownDeadlineMs + 5_000);
    force.unref();
    void exited
      .then(() => metricsServer?.close(1_000))
      .then(() => Promise.all(deps.closers.map((c) => c())))
      .catch((err) => log.error('error during shutdown', { error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        clearTimeout(force);
        log.flush(true);
        finished(startupFailed ?? 0);
      });
  }

  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    log.info('reloading the workers\' configuration', { signal: 'SIGHUP' });
    for (const w of workers) w.process.kill('SIGHUP');
  });

  for (let i = 0; i < count; i++) fork();
  await Promise.race([allUp, result]);
  if (!stopping && (deps.config.metricsAddress !== '' || deps.config.metricsSecureAddress !== '')) {
    try {
      metricsServer = await deps.serveMetrics(scrape);
    } catch (err) {
      log.error('cannot listen for metrics', { error: err instanceof Error ? err.message : String(err) });
      startupFailed = 1;
      stop('metrics listener failure');
    }
  }
  if (!stopping) log.info('workers running', { workers: count, ...(metricsServer ? { metrics: metricsServer.urls } : {}) });
  return result;
}
