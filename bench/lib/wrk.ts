// Runs wrk against one URL and turns its text output into numbers.
import { start, stop } from './procs.js';

export interface WrkOptions {
  url: string;
  headers?: Record<string, string>;
  threads?: number;
  connections?: number;
  durationS?: number;
  /** wrk's per-request timeout; its default (2 s) is kept when absent. */
  timeoutS?: number;
}

export interface WrkResult {
  requests: number;
  /** The duration wrk itself measured, which is a little longer than the one asked for. */
  durationS: number;
  rps: number;
  latencyMs: { p50: number; p75: number; p90: number; p99: number; max?: number };
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  /** wrk counts 3xx as success, so a redirect to a sign-in page never lands here. */
  non2xx3xx: number;
  /** Bytes per second read by wrk. */
  transferPerSec?: number;
  /** The raw output, kept for the JSON report and for error messages. */
  raw: string;
}

/** The wrk process itself, so that the caller can count its CPU as expected load. */
export interface WrkRun {
  pid: number;
  result: Promise<WrkResult>;
}

/** Starts wrk and returns at once with its PID; `result` resolves when it has finished. */
export async function startWrk(opts: WrkOptions): Promise<WrkRun> {
  const { url, headers = {}, threads = 2, connections = 50, durationS = 10, timeoutS } = opts;
  const args = ['--latency', '-t', String(threads), '-c', String(Math.max(connections, threads)), '-d', `${durationS}s`];
  if (timeoutS !== undefined) args.push('--timeout', `${timeoutS}s`);
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  const s = await start('wrk', args);
  const result = (async () => {
    // A wrk that hangs (target wedged with open connections) must not hang the whole benchmark.
    let overran = false;
    const guard = setTimeout(() => { overran = true; void stop(s, 2_000); }, (durationS + 15) * 1000);
    const code = await s.exited;
    clearTimeout(guard);
    const out = s.output();
    if (overran) throw new Error(`wrk ran more than ${durationS + 15} s against ${url} and was killed:\n${out}`);
    if (code !== 0) throw new Error(`wrk exited with ${code} against ${url}:\n${out}`);
    return parseWrk(out);
  })();
  return { pid: s.pid, result };
}

export async function runWrk(opts: WrkOptions): Promise<WrkResult> {
  return (await startWrk(opts)).result;
}

/** The warm-up run: same settings as the measured one, its numbers are thrown away. */
export async function warmUp(opts: WrkOptions, durationS = 2): Promise<void> {
  if (durationS <= 0) return;
  await runWrk({ ...opts, durationS });
}

const timeUnitsMs: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "212.00us", "4.34ms", "1.02s", "1.00m" → milliseconds. */
export function parseTimeMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`wrk: cannot read the time "${text}"`);
  // wrk prints two decimals, so µs precision is all there is; rounding drops float noise.
  return Math.round(Number(m[1]) * timeUnitsMs[m[2]!]! * 1000) / 1000;
}

const sizeUnits: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** "4.71MB" → bytes (wrk uses binary multiples). */
export function parseBytes(text: string): number {
  const m = /^([\d.]+)([KMGT]?B)$/.exec(text.trim());
  if (!m) throw new Error(`wrk: cannot read the size "${text}"`);
  return Number(m[1]) * sizeUnits[m[2]!]!;
}

export function parseWrk(out: string): WrkResult {
  const need = (re: RegExp, what: string): RegExpExecArray => {
    const m = re.exec(out);
    if (!m) throw new Error(`wrk output has no ${what}:\n${out}`);
    return m;
  };
  const pct = (p: number) => parseTimeMs(need(new RegExp(`^\\s*${p}%\\s+(\\S+)\\s*$`, 'm'), `${p}% latency`)[1]!);
  const total = need(/^\s*(\d+) requests in (\S+?),/m, 'request count');
  const requests = Number(total[1]);
  const durationS = parseTimeMs(total[2]!) / 1000;
  const rps = Number(need(/^Requests\/sec:\s+([\d.]+)/m, 'Requests/sec')[1]);
  const latLine = /^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)/m.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  // This line is printed only when the count is above zero.
  const non = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const transfer = /^Transfer\/sec:\s+(\S+)/m.exec(out);
  return {
    requests,
    durationS,
    rps,
    latencyMs: { p50: pct(50), p75: pct(75), p90: pct(90), p99: pct(99), ...(latLine ? { max: parseTimeMs(latLine[3]!) } : {}) },
    socketErrors: sock
      ? { connect: Number(sock[1]), read: Number(sock[2]), write: Number(sock[3]), timeout: Number(sock[4]) }
      : { connect: 0, read: 0, write: 0, timeout: 0 },
    non2xx3xx: non ? Number(non[1]) : 0,
    ...(transfer ? { transferPerSec: parseBytes(transfer[1]!) } : {}),
    raw: out,
  };
}

export function socketErrorTotal(r: WrkResult): number {
  const e = r.socketErrors;
  return e.connect + e.read + e.write + e.timeout;
}
