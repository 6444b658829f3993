// CPU and memory of process trees, read straight from /proc (Linux only).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

interface Stat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
  /** Start time since boot, in ticks: tells a reused PID from the process that had it before. */
  starttime: string;
}

let clkTck: number | undefined;
function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
  // comm sits in parentheses and may itself hold spaces and parentheses, so the fields are
  // counted from the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < 0) return undefined;
  const comm = text.slice(open + 1, close);
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state), so field n is rest[n - 3].
  const ppid = Number(rest[1]);
  const ticks = Number(rest[11]) + Number(rest[12]);
  return { pid, comm, ppid, ticks, starttime: rest[19] ?? '' };
}

function allPids(): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

function allStats(): Stat[] {
  const out: Stat[] = [];
  for (const pid of allPids()) {
    const s = readStat(pid);
    if (s) out.push(s);
  }
  return out;
}

/** The roots (those still alive) and all their descendants. */
export function processTree(rootPids: number[]): number[] {
  const children = new Map<number, number[]>();
  const alive = new Set<number>();
  for (const s of allStats()) {
    alive.add(s.pid);
    const list = children.get(s.ppid);
    if (list) list.push(s.pid); else children.set(s.ppid, [s.pid]);
  }
  const seen = new Set<number>();
  const queue = rootPids.filter((p) => alive.has(p));
  while (queue.length > 0) {
    const p = queue.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    queue.push(...(children.get(p) ?? []));
  }
  return [...seen];
}

/** CPU time (user + system) of these processes so far, in seconds; vanished processes count 0. */
export function cpuTicks(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += readStat(pid)?.ticks ?? 0;
  return ticks / ticksPerSecond();
}

export interface Memory {
  rssMiB: number;
  processes: number;
  measure: 'rss' | 'pss-sum';
}

function statusKiB(pid: number, field: string): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function pssKiB(pid: number): number | undefined {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Memory of a set of processes. One process: its RSS. Several (Apache or nginx with workers
 * forked from a master): the sum of their PSS. Forked workers share most of their pages with the
 * master, so summing RSS would count those pages once per worker, while a container's memory
 * charge counts each page once; PSS splits every shared page among its sharers, so its sum is the
 * closer figure. For one process RSS and PSS differ only by shared libraries, and RSS is what
 * people compare against.
 */
export function memoryOf(pids: number[]): Memory {
  if (pids.length === 1) {
    const kib = statusKiB(pids[0]!, 'VmRSS');
    return { rssMiB: (kib ?? 0) / 1024, processes: kib === undefined ? 0 : 1, measure: 'rss' };
  }
  let kib = 0;
  let processes = 0;
  for (const pid of pids) {
    const k = pssKiB(pid);
    if (k === undefined) continue;
    kib += k;
    processes++;
  }
  return { rssMiB: kib / 1024, processes, measure: 'pss-sum' };
}

export interface Sampler {
  stop(): { peakMiB: number; samples: number; peakProcesses: number };
}

/** Samples the tree's memory every `everyMs` until stopped, walking the tree anew each time since servers may fork under load. */
export function startSampler(rootPids: number[], everyMs = 100): Sampler {
  let peakMiB = 0;
  let peakProcesses = 0;
  let samples = 0;
  const sample = () => {
    const m = memoryOf(processTree(rootPids));
    samples++;
    if (m.rssMiB > peakMiB) peakMiB = m.rssMiB;
    if (m.processes > peakProcesses) peakProcesses = m.processes;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peakMiB, samples, peakProcesses };
    },
  };
}

/** CPU ticks of every user-space process at one moment, for the contention guard. */
export interface CpuSnapshot {
  at: number;
  procs: Map<number, { comm: string; ticks: number; starttime: string }>;
  /** Busy and total jiffies of the whole machine from /proc/stat. */
  machine: { busy: number; total: number };
}

function isKernelThread(s: Stat): boolean {
  return s.pid === 2 || s.ppid === 2;
}

function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

export function otherCpu(): CpuSnapshot {
  const procs = new Map<number, { comm: string; ticks: number; starttime: string }>();
  for (const s of allStats()) {
    // Kernel threads are left out: under loopback load ksoftirqd and friends do the network
    // work of the benchmark itself, so counting them would flag every run as contended.
    if (isKernelThread(s)) continue;
    procs.set(s.pid, { comm: s.comm, ticks: s.ticks, starttime: s.starttime });
  }
  return { at: Date.now(), procs, machine: machineTicks() };
}

export interface Contention {
  /** CPU seconds used by processes outside `ours` between the two snapshots. */
  otherCpuS: number;
  offenders: { pid: number; comm: string; seconds: number }[];
  /** Whole-machine busy CPU seconds over the window (all cores, kernel included). */
  machineBusyS: number;
  /** Machine busy share over the window, 0..cores. */
  machineBusyCores: number;
  windowS: number;
}

/**
 * CPU used by everything that is not ours. A process that appeared during the window counts in
 * full; one that vanished is ignored (its last ticks cannot be read). A PID reused by a new
 * process is recognised by its start time and counted as new.
 */
export function contention(before: CpuSnapshot, after: CpuSnapshot, ours: Set<number>, top = 5): Contention {
  const hz = ticksPerSecond();
  const offenders: { pid: number; comm: string; seconds: number }[] = [];
  let ticks = 0;
  for (const [pid, a] of after.procs) {
    if (ours.has(pid)) continue;
    const b = before.procs.get(pid);
    const d = b && b.starttime === a.starttime ? a.ticks - b.ticks : a.ticks;
    if (d <= 0) continue;
    ticks += d;
    offenders.push({ pid, comm: a.comm, seconds: d / hz });
  }
  offenders.sort((x, y) => y.seconds - x.seconds);
  const windowS = (after.at - before.at) / 1000;
  const machineBusyS = (after.machine.busy - before.machine.busy) / hz;
  return {
    otherCpuS: ticks / hz,
    offenders: offenders.slice(0, top),
    machineBusyS,
    machineBusyCores: windowS > 0 ? machineBusyS / windowS : 0,
    windowS,
  };
}

/**
 * CPU seconds used between two snapshots by `pids` (normally the target's tree as walked at the
 * end of the window). Processes started during the window count in full; ones that exited before
 * the second snapshot are lost, which only matters for servers that recycle workers under load.
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, pids: Iterable<number>): number {
  let ticks = 0;
  for (const pid of pids) {
    const a = after.procs.get(pid);
    if (!a) continue;
    const b = before.procs.get(pid);
    ticks += b && b.starttime === a.starttime ? Math.max(0, a.ticks - b.ticks) : a.ticks;
  }
  return ticks / ticksPerSecond();
}
