// A deliberately small timing loop. Micro benchmarks of functions that take tens of nanoseconds
// to a few microseconds need only: a warm-up so V8 has optimised the code before it is timed,
// batches long enough that the clock's resolution and the loop's own overhead vanish, and a
// median over batches so one GC pause or a noisy neighbour does not decide the result.

export interface Case {
  name: string;
  /** Synchronous work; its result is kept so the optimiser cannot drop the call. */
  fn?: () => unknown;
  /** Asynchronous work, awaited call by call as the request path awaits it. */
  asyncFn?: () => Promise<unknown>;
}

export interface Result {
  name: string;
  opsPerSec: number;
  nsPerOp: number;
  /**
   * Process CPU time per op in the median batch. On a shared machine the wall clock also counts
   * time spent waiting for a core; CPU time does not (it does count GC helper threads).
   */
  cpuNsPerOp: number;
  /** Spread of the batches, (max - min) / median: a large one means the figure is noisy. */
  spread: number;
  batches: number;
  opsPerBatch: number;
}

export interface Timing {
  warmupMs: number;
  batchMs: number;
  batches: number;
}

// Written to on every call, read once at the end: a result nobody reads can be optimised away.
let sink: unknown;
let sinkCount = 0;

function keep(v: unknown): void {
  sink = v;
  sinkCount++;
}

export function sinkSeen(): number {
  return sinkCount + (sink === undefined ? 0 : 1);
}

const now = (): bigint => process.hrtime.bigint();

function runSync(fn: () => unknown, n: number): bigint {
  let last: unknown;
  const t0 = now();
  for (let i = 0; i < n; i++) last = fn();
  const t = now() - t0;
  keep(last);
  return t;
}

async function runAsync(fn: () => Promise<unknown>, n: number): Promise<bigint> {
  let last: unknown;
  const t0 = now();
  for (let i = 0; i < n; i++) last = await fn();
  const t = now() - t0;
  keep(last);
  return t;
}

async function run(c: Case, n: number): Promise<bigint> {
  if (c.fn) return runSync(c.fn, n);
  if (c.asyncFn) return runAsync(c.asyncFn, n);
  throw new Error(`case ${c.name} has no function`);
}

export async function measure(c: Case, timing: Timing): Promise<Result> {
  // Warm up with growing loops; the last one tells how many calls fill a batch.
  const warmNs = BigInt(Math.round(timing.warmupMs * 1e6));
  let n = 1;
  let spent = 0n;
  let lastNs = 0n;
  while (spent < warmNs) {
    lastNs = await run(c, n);
    spent += lastNs;
    if (lastNs < warmNs / 10n) n *= 2;
  }
  const perOpNs = Number(lastNs) / n;
  const opsPerBatch = Math.max(1, Math.round((timing.batchMs * 1e6) / Math.max(perOpNs, 1)));

  const samples: { wall: number; cpu: number }[] = [];
  for (let b = 0; b < timing.batches; b++) {
    const cpu0 = process.cpuUsage();
    const wall = Number(await run(c, opsPerBatch)) / opsPerBatch;
    const cpu1 = process.cpuUsage(cpu0);
    samples.push({ wall, cpu: ((cpu1.user + cpu1.system) * 1000) / opsPerBatch });
  }
  samples.sort((a, b) => a.wall - b.wall);
  const median = samples[samples.length >> 1].wall;
  const cpus = samples.map((x) => x.cpu).sort((a, b) => a - b);
  return {
    name: c.name,
    nsPerOp: median,
    cpuNsPerOp: cpus[cpus.length >> 1],
    opsPerSec: 1e9 / median,
    spread: (samples[samples.length - 1].wall - samples[0].wall) / median,
    batches: timing.batches,
    opsPerBatch,
  };
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function fmtNs(ns: number): string {
  return ns < 100 ? ns.toFixed(1) : fmtInt(ns);
}

export function markdownTable(results: readonly Result[]): string {
  const rows = results.map((r) => `| ${r.name} | ${fmtInt(r.opsPerSec)} | ${fmtNs(r.nsPerOp)} | ${fmtNs(r.cpuNsPerOp)} | ±${(r.spread * 50).toFixed(0)}% |`);
  return ['| case | ops/s | ns/op | cpu ns/op | spread |', '|---|---:|---:|---:|---:|', ...rows].join('\n');
}
