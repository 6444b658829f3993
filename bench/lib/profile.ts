// Summaries of V8 CPU profiles (`node --cpu-prof`) as Markdown: where a target's process spends
// its time under load, by function (self time) and by module (inclusive time), so a missed target
// comes with the evidence of where the time goes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[] }

/** Shortens a frame's URL to what says where it is: node:…, a package, or a project file. */
function place(url: string): string {
  if (url === '') return '';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (pkg) return `${pkg[1]}/${pkg[2]}`;
  const own = /\/dist\/(src\/.*)$/.exec(url);
  if (own) return own[1]!;
  return url.replace(/^file:\/\//, '');
}

/** The module a frame belongs to, for the inclusive view: a package, a node: module, or src/<dir>. */
function moduleOf(url: string): string {
  const p = place(url);
  if (p === '') return '(native, V8 and the kernel)';
  if (p.startsWith('node:')) return p;
  if (p.startsWith('src/')) return p.split('/').slice(0, 2).join('/');
  return p.split('/')[0]!.startsWith('@') ? p.split('/').slice(0, 2).join('/') : p.split('/')[0]!;
}

export function summariseProfile(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const total = profile.samples.length || 1;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, count] of hits) {
    const f = byId.get(id)!.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${place(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`.trim();
    self.set(name, (self.get(name) ?? 0) + count);
    // Each module counts once per sample, however deep it recurses.
    const seen = new Set<string>();
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const url = byId.get(x)!.callFrame.url;
      if (url === '') continue;
      const m = moduleOf(url);
      if (!seen.has(m)) { seen.add(m); inclusive.set(m, (inclusive.get(m) ?? 0) + count); }
    }
  }
  const pct = (n: number) => `${((100 * n) / total).toFixed(1)}%`;
  const rows = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  return [
    `${total.toLocaleString('en-US')} samples.`,
    '',
    '| self time | function |',
    '|---:|---|',
    ...rows(self, top).map(([k, v]) => `| ${pct(v)} | \`${k}\` |`),
    '',
    '| inclusive | module |',
    '|---:|---|',
    ...rows(inclusive, 15).map(([k, v]) => `| ${pct(v)} | \`${k}\` |`),
    '',
    '"(idle)" is the event loop waiting for I/O; "writev" and "writeLatin1String" are the socket',
    'writes, where the kernel also delivers the data over loopback and wakes the reader.',
  ].join('\n');
}

/** Summarises every .cpuprofile in `dir` (one per process); undefined when there is none. */
export function summariseProfileDir(dir: string): string | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return undefined;
  }
  if (files.length === 0) return undefined;
  return files.map((f) => summariseProfile(JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile)).join('\n\n');
}
