// One target under load: warm-up, a measured wrk run, and the CPU, memory and upstream counts
// around it, guarded against other processes stealing CPU from this small machine.
import type { Target } from './target.js';
import { contention, cpuBetween, memoryOf, otherCpu, processTree, startSampler, type Contention } from './proc-stats.js';
import { socketErrorTotal, startWrk, warmUp, type WrkOptions, type WrkResult } from './wrk.js';

export interface MeasureOptions {
  /** Requests the upstream has answered so far (a counter it exposes). */
  upstreamCount: () => Promise<number>;
  /** Everything the benchmark started besides the target: upstream, IdP, redis... (the runner itself and wrk are added here). */
  ourPids: () => number[];
  warmupS?: number;
  durationS?: number;
  threads?: number;
  connections?: number;
  timeoutS?: number;
  /** CPU seconds other processes may use during one measured run before it is called contended. */
  maxOtherCpuS?: number;
}

export interface Row {
  key: string;
  label: string;
  rps: number;
  p50: number;
  p99: number;
  /** Socket errors plus non-2xx/3xx responses. */
  errors: number;
  /** wrk requests the upstream never saw (redirects to sign-in, answers from the proxy itself). */
  notUpstream: number;
  /** CPU seconds of the target's processes per second of load. */
  cpuCores: number;
  idleMiB: number;
  peakMiB: number;
  memoryMeasure: 'rss' | 'pss-sum';
  processes: number;
  otherCpuS: number;
  contended: boolean;
  /** Runs made, including one repeated because of contention. */
  attempts: number;
  reachesUpstream: boolean;
  requests: number;
  upstreamRequests: number;
  durationS: number;
  machineBusyCores: number;
  offenders: Contention['offenders'];
  latencyMs: WrkResult['latencyMs'];
  socketErrors: WrkResult['socketErrors'];
  non2xx3xx: number;
}

interface Attempt {
  wrk: WrkResult;
  upstreamRequests: number;
  targetCpuS: number;
  con: Contention;
}

export async function measureTarget(target: Target, opts: MeasureOptions): Promise<Row> {
  const { warmupS = 2, durationS = 10, maxOtherCpuS = 0.3 } = opts;
  const wrkOpts: WrkOptions = {
    url: target.url,
    headers: target.headers,
    threads: opts.threads ?? 2,
    connections: opts.connections ?? 50,
    durationS,
    ...(opts.timeoutS !== undefined ? { timeoutS: opts.timeoutS } : {}),
  };

  const idle = memoryOf(processTree(target.pids()));
  const sampler = startSampler(target.pids());
  let attempts = 0;
  let run: Attempt;
  let peak: ReturnType<typeof sampler.stop>;
  try {
    await warmUp(wrkOpts, warmupS);
    do {
      attempts++;
      run = await measuredRun(target, opts, wrkOpts);
    } while (run.con.otherCpuS > maxOtherCpuS && attempts < 2);
  } finally {
    peak = sampler.stop();
  }

  const w = run.wrk;
  return {
    key: target.key,
    label: target.label,
    rps: w.rps,
    p50: w.latencyMs.p50,
    p99: w.latencyMs.p99,
    errors: socketErrorTotal(w) + w.non2xx3xx,
    // wrk does not count the requests still in flight when its time is up, though the upstream
    // saw them, so the upstream may be ahead by up to one request per connection.
    notUpstream: Math.max(0, w.requests - run.upstreamRequests),
    cpuCores: run.targetCpuS / w.durationS,
    idleMiB: idle.rssMiB,
    peakMiB: Math.max(peak.peakMiB, idle.rssMiB),
    memoryMeasure: idle.measure,
    processes: Math.max(peak.peakProcesses, idle.processes),
    otherCpuS: run.con.otherCpuS,
    contended: run.con.otherCpuS > maxOtherCpuS,
    attempts,
    reachesUpstream: target.reachesUpstream,
    requests: w.requests,
    upstreamRequests: run.upstreamRequests,
    durationS: w.durationS,
    machineBusyCores: run.con.machineBusyCores,
    offenders: run.con.offenders,
    latencyMs: w.latencyMs,
    socketErrors: w.socketErrors,
    non2xx3xx: w.non2xx3xx,
  };
}

async function measuredRun(target: Target, opts: MeasureOptions, wrkOpts: WrkOptions): Promise<Attempt> {
  const oursAtStart = processTree([process.pid, ...opts.ourPids(), ...target.pids()]);
  const before = otherCpu();
  // The count window is the wrk run and nothing else: read right before it starts and right after it ends.
  const countBefore = await opts.upstreamCount();
  const w = await startWrk(wrkOpts);
  const wrk = await w.result;
  const countAfter = await opts.upstreamCount();
  const after = otherCpu();
  const targetTree = processTree(target.pids());
  const ours = new Set([...oursAtStart, ...processTree([process.pid, ...opts.ourPids()]), ...targetTree, w.pid]);
  return {
    wrk,
    upstreamRequests: countAfter - countBefore,
    targetCpuS: cpuBetween(before, after, targetTree),
    con: contention(before, after, ours),
  };
}

/** Throws, naming the offenders, when any row was measured while something else used the CPU. */
export function assertUncontended(rows: Row[]): void {
  const bad = rows.filter((r) => r.contended);
  if (bad.length === 0) return;
  const lines = bad.map((r) =>
    `  ${r.key}: ${r.otherCpuS.toFixed(2)} CPU s used by other processes (after ${r.attempts} runs): ` +
    r.offenders.map((o) => `${o.comm} [${o.pid}] ${o.seconds.toFixed(2)} s`).join(', '));
  throw new Error(`Refusing to report: other processes competed for the CPU during these runs:\n${lines.join('\n')}\n` +
    'Stop them (or raise the allowance) and run the benchmark again.');
}
