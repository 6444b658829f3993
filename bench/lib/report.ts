// Writes the benchmark's results: all numbers as JSON, and a Markdown table with the targets
// the project set itself, each marked met or not.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { assertUncontended, type Row } from './measure.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memGiB: number;
  kernel: string;
  node: string;
  nginx: string;
  apache: string;
  modAuthOpenidc: string;
  wrk: string;
}

export interface ReportMeta {
  date: string;
  machine: MachineInfo;
  /** Load settings and anything else worth keeping next to the numbers. */
  settings: Record<string, unknown>;
  /** Further results (e.g. other experiments) are kept in the JSON as they are. */
  [extra: string]: unknown;
}

export interface CheckResult {
  /** undefined when a row the check needs was not measured. */
  met: boolean | undefined;
  detail: string;
}

export interface TargetCheck {
  name: string;
  check: (rows: Row[]) => CheckResult;
}

export function row(rows: Row[], key: string): Row | undefined {
  return rows.find((r) => r.key === key);
}

/** rps of `a` divided by rps of `b`, or undefined when either is missing. */
export function ratio(rows: Row[], a: string, b: string): number | undefined {
  const ra = row(rows, a);
  const rb = row(rows, b);
  if (!ra || !rb || rb.rps <= 0) return undefined;
  return ra.rps / rb.rps;
}

const notMeasured = (...keys: string[]): CheckResult => ({ met: undefined, detail: `needs rows ${keys.map((k) => `\`${k}\``).join(' and ')}` });
const fmtRps = (n: number) => Math.round(n).toLocaleString('en-US');

function rpsAtLeast(a: string, b: string, factor: number): TargetCheck {
  return {
    name: `\`${a}\` req/s ≥ ${factor} × \`${b}\``,
    check(rows) {
      const r = ratio(rows, a, b);
      if (r === undefined) return notMeasured(a, b);
      return { met: r >= factor, detail: `${fmtRps(row(rows, a)!.rps)} vs ${fmtRps(row(rows, b)!.rps)} req/s = ${r.toFixed(2)}×` };
    },
  };
}

export function standardTargets(): TargetCheck[] {
  return [
    {
      name: '`sidecar-cookie` req/s ≥ 2 × `apache-server-cache`, with lower p99',
      check(rows) {
        const a = row(rows, 'sidecar-cookie');
        const b = row(rows, 'apache-server-cache');
        if (!a || !b || b.rps <= 0) return notMeasured('sidecar-cookie', 'apache-server-cache');
        const r = a.rps / b.rps;
        return {
          met: r >= 2 && a.p99 < b.p99,
          detail: `${fmtRps(a.rps)} vs ${fmtRps(b.rps)} req/s = ${r.toFixed(2)}×; p99 ${a.p99.toFixed(2)} vs ${b.p99.toFixed(2)} ms`,
        };
      },
    },
    rpsAtLeast('sidecar-redis', 'apache-server-cache', 1.5),
    rpsAtLeast('sidecar-auth-request', 'nginx-auth-request-node', 0.85),
    rpsAtLeast('sidecar-cookie', 'sidecar-skip-auth', 0.85),
    {
      name: '`sidecar-cookie` idle memory ≤ 50 MiB and peak ≤ 96 MiB',
      check(rows) {
        const a = row(rows, 'sidecar-cookie');
        if (!a) return notMeasured('sidecar-cookie');
        return { met: a.idleMiB <= 50 && a.peakMiB <= 96, detail: `idle ${a.idleMiB.toFixed(1)} MiB, peak ${a.peakMiB.toFixed(1)} MiB` };
      },
    },
  ];
}

const n0 = (n: number) => Math.round(n).toLocaleString('en-US');
const n1 = (n: number) => n.toFixed(1);
const n2 = (n: number) => n.toFixed(2);

export function renderMarkdown(rows: Row[], meta: ReportMeta, checks: TargetCheck[] = standardTargets()): string {
  const direct = row(rows, 'direct');
  const m = meta.machine;
  const out: string[] = [];
  out.push(`# Benchmark results, ${meta.date}`, '');
  out.push(`Machine: ${m.cpuModel}, ${m.cores} cores, ${n1(m.memGiB)} GiB, Linux ${m.kernel}.`);
  out.push(`Software: Node ${m.node}, nginx ${m.nginx}, Apache ${m.apache}, mod_auth_openidc ${m.modAuthOpenidc}, wrk ${m.wrk}.`);
  const s = Object.entries(meta.settings).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  if (s) out.push(`Settings: ${s}.`);
  out.push('');
  out.push('| target | req/s | × direct | p50 ms | p99 ms | errors | not upstream | CPU cores | idle MiB | peak MiB |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const x = direct && direct.rps > 0 ? n2(r.rps / direct.rps) : '–';
    // Several processes are summed as PSS; marking them keeps the memory columns honest.
    const mem = (v: number) => n1(v) + (r.memoryMeasure === 'pss-sum' ? ` (${r.processes} proc.)` : '');
    out.push(`| ${r.label} | ${n0(r.rps)} | ${x} | ${n2(r.p50)} | ${n2(r.p99)} | ${n0(r.errors)} | ${n0(r.notUpstream)} | ${n2(r.cpuCores)} | ${mem(r.idleMiB)} | ${mem(r.peakMiB)} |`);
  }
  out.push('');
  out.push('errors: socket errors plus non-2xx/3xx responses. wrk counts redirects as successes, so "not upstream" counts the requests the upstream never received (a redirect to sign-in would show there). ' +
    'Memory is the RSS of a single process, or the summed PSS of a process tree (shared pages counted once).');
  out.push('');
  out.push('## Targets', '');
  for (const c of checks) {
    const r = c.check(rows);
    const verdict = r.met === undefined ? 'not measured' : r.met ? 'met' : 'NOT met';
    out.push(`- ${c.name}: **${verdict}** (${r.detail})`);
  }
  out.push('');
  return out.join('\n');
}

/** Writes results.json and results.md into `outDir`; refuses rows measured under CPU contention. */
export function writeReport(rows: Row[], meta: ReportMeta, outDir: string, checks: TargetCheck[] = standardTargets()): { json: string; md: string; markdown: string } {
  assertUncontended(rows);
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, 'results.json');
  const md = join(outDir, 'results.md');
  const targets = checks.map((c) => ({ name: c.name, ...c.check(rows) }));
  writeFileSync(json, JSON.stringify({ ...meta, rows, targets }, null, 2) + '\n');
  const markdown = renderMarkdown(rows, meta, checks);
  writeFileSync(md, markdown);
  return { json, md, markdown };
}

/** Output of a version command, whichever stream it used and whatever its exit status. */
function versionOf(cmd: string, args: string[], re?: RegExp): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return 'not installed';
  const text = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim();
  if (!re) return text.split('\n')[0]!.trim() || 'unknown';
  return re.exec(text)?.[1] ?? (text.split('\n')[0]!.trim() || 'unknown');
}

export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch { /* keep the os module's answer */ }
  let modAuthOpenidc = 'not installed';
  try {
    modAuthOpenidc = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'libapache2-mod-auth-openidc'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || modAuthOpenidc;
  } catch { /* not a Debian system, or not installed */ }
  return {
    cpuModel,
    cores: os.availableParallelism(),
    memGiB: os.totalmem() / 1024 ** 3,
    kernel: os.release(),
    node: process.versions.node,
    nginx: versionOf('nginx', ['-v'], /nginx\/(\S+)/),
    apache: versionOf('apache2', ['-v'], /Apache\/(\S+)/),
    modAuthOpenidc,
    wrk: versionOf('wrk', ['-v'], /^wrk (\S+)/m),
  };
}
