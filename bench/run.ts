// The benchmark runner: one OpenID Provider, one nginx upstream, then every target in turn (started,
// signed in through its real flow, loaded with wrk, stopped), so that only one target runs while it
// is measured. Results go to bench/results/ as Markdown and JSON.
//
//   node dist/bench/run.js [--only=key,key] [--duration=10] [--warmup=2] [--out=bench/results]
//                          [--sessions=100000] [--profile] [--max-other-cpu=0.3]
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { summariseProfileDir } from './lib/profile.js';
import { startBenchIdp } from './lib/idp.js';
import { killAllNow, stopAll } from './lib/procs.js';
import { measureTarget, type Row } from './lib/measure.js';
import { machineInfo, standardTargets, writeReport, type TargetCheck } from './lib/report.js';
import type { Target } from './lib/target.js';
import { startUpstream } from './peers/upstream.js';
import { startNginxAuthRequestNode, startNginxProxy, startNginxAuthRequest } from './peers/nginx.js';
import { startApache } from './peers/apache.js';
import { startExpress } from './peers/express.js';
import { sidecarCookie, sidecarJwt, sidecarPolicy, sidecarRedis, sidecarSkipAuth, startRedis, startSidecar } from './sidecar.js';
import { signInForCookie } from './lib/signin.js';
import { measureManySessions, type ManySessionsResult } from './many-sessions.js';

interface Args { only?: Set<string>; durationS: number; warmupS: number; out?: string; sessions: number; maxOtherCpuS: number; profile: boolean; rounds: number }

function parseArgs(argv: string[]): Args {
  const a: Args = { durationS: 10, warmupS: 2, sessions: 100_000, maxOtherCpuS: 0.3, profile: false, rounds: 3 };
  for (const arg of argv) {
    const [k, v = ''] = arg.replace(/^--/, '').split('=', 2) as [string, string?];
    if (k === 'only') a.only = new Set(v.split(',').filter(Boolean));
    else if (k === 'duration') a.durationS = Number(v);
    else if (k === 'warmup') a.warmupS = Number(v);
    else if (k === 'out') a.out = resolve(v);
    else if (k === 'sessions') a.sessions = Number(v);
    else if (k === 'max-other-cpu') a.maxOtherCpuS = Number(v);
    else if (k === 'profile') a.profile = true;
    else if (k === 'rounds') a.rounds = Number(v);
    else throw new Error(`unknown argument ${arg}; known: --only=key,key --duration=S --warmup=S --out=DIR --sessions=N (0: skip) --max-other-cpu=S --profile --rounds=N`);
  }
  if (!(a.durationS > 0 && a.durationS <= 120) || !(a.warmupS >= 0 && a.warmupS <= 60)) throw new Error('--duration must be in (0,120] and --warmup in [0,60]');
  if (!(Number.isInteger(a.rounds) && a.rounds >= 1 && a.rounds <= 9)) throw new Error('--rounds must be an integer in [1,9]');
  // One profile per row: profiling several rounds would mix them.
  if (a.profile) a.rounds = 1;
  return a;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const stopEverything = () => { killAllNow(); process.exit(130); };
  process.once('SIGINT', stopEverything);
  process.once('SIGTERM', stopEverything);

  const idp = await startBenchIdp();
  const upstream = await startUpstream();
  const redis = await startRedis();
  // With --profile every oauth2-sidecar row runs under V8's CPU profiler (which slows it), and the
  // results go to their own folder with a summary of each profile.
  const out = args.out ?? resolve(args.profile ? 'bench/results/profiled' : 'bench/results');
  const profileDir = (key: string) => join(out, 'cpuprofiles', key);
  const sidecarFor = (key: string) => ({ issuer: idp.issuer, upstreamUrl: upstream.url, ...(args.profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir(key)}`] } : {}) });
  const sidecar = { issuer: idp.issuer, upstreamUrl: upstream.url };
  const peer = { issuer: idp.issuer, upstreamUrl: upstream.url };

  // In report order: the bare upstream first (every ratio is to it), then the peers, then ours.
  const plan: Array<[string, () => Promise<Target>]> = [
    ['direct', async () => upstream.target],
    ['nginx-proxy', () => startNginxProxy(peer)],
    ['nginx-auth-request-node', () => startNginxAuthRequestNode(peer)],
    ['apache-server-cache', () => startApache({ ...peer, sessionType: 'server-cache' })],
    ['apache-client-cookie', () => startApache({ ...peer, sessionType: 'client-cookie' })],
    ['express', () => startExpress(peer)],
    ['sidecar-skip-auth', () => sidecarSkipAuth(sidecarFor('sidecar-skip-auth'))],
    ['sidecar-cookie', () => sidecarCookie(sidecarFor('sidecar-cookie'))],
    ['sidecar-policy', () => sidecarPolicy(sidecarFor('sidecar-policy'))],
    ['sidecar-cookie-workers', () => sidecarCookie(sidecar, ['--workers=2'], 'sidecar-cookie-workers', 'oauth2-sidecar --workers 2, cookie sessions')],
    ['sidecar-redis', () => sidecarRedis(sidecarFor('sidecar-redis'), redis.url)],
    ['sidecar-auth-request', () => sidecarBehindNginx(sidecarFor('sidecar-auth-request'))],
    ['sidecar-jwt', () => sidecarJwt(sidecarFor('sidecar-jwt'))],
  ];
  const wanted = plan.filter(([key]) => !args.only || args.only.has(key) || key === 'direct');
  if (args.only) for (const k of args.only) if (!plan.some(([key]) => key === k)) throw new Error(`unknown target ${k}; known: ${plan.map(([key]) => key).join(', ')}`);

  const benchPids = () => [process.pid, ...upstream.target.pids(), redis.process.pid];
  // Every target is measured in each round, started afresh each time; a row reports the round with
  // the median req/s. One process's throughput varies by ±10% from start to start (where the
  // scheduler puts it next to wrk and nginx), which a single measurement would report as a verdict.
  const byKey = new Map<string, Row[]>();
  let many: ManySessionsResult | undefined;
  try {
    for (let round = 1; round <= args.rounds; round++) {
      for (const [key, make] of wanted) {
        process.stderr.write(`round ${round}/${args.rounds}, ${key}: starting and signing in\n`);
        const target = await make();
        try {
          const ours = key === 'direct' ? () => benchPids() : () => [...benchPids(), ...target.pids()];
          const row = await measureTarget(target, { upstreamCount: upstream.requestCount, ourPids: ours, warmupS: args.warmupS, durationS: args.durationS, maxOtherCpuS: args.maxOtherCpuS });
          byKey.set(key, [...(byKey.get(key) ?? []), row]);
        } finally {
          if (key !== 'direct') await target.stop();
        }
      }
    }
    if (args.sessions > 0 && wanted.some(([key]) => key === 'sidecar-redis')) {
      process.stderr.write(`many-sessions: ${args.sessions} distinct Redis sessions, one request each\n`);
      many = await measureManySessions({ ...sidecar, redisUrl: redis.url, count: args.sessions });
    }
  } finally {
    await stopAll();
    await idp.close();
  }
  const rows = [...byKey.values()].map((rs) => ({ ...medianRow(rs), roundsRps: rs.map((r) => Math.round(r.rps)) }));
  const checks = [...standardTargets(), ...(args.sessions > 0 ? [manySessionsCheck(args.sessions, many)] : [])];
  const meta = { date: new Date().toISOString(), machine: machineInfo(), settings: { threads: 2, connections: 50, durationS: args.durationS, warmupS: args.warmupS, rounds: args.rounds }, ...(many ? { manySessions: many } : {}) };
  const written = writeReport(rows, meta, out, checks);
  let markdown = written.markdown;
  if (args.rounds > 1) {
    markdown += `\n## Rounds\n\nEach row is the round with the median req/s of ${args.rounds}; req/s in each round:\n\n` +
      rows.map((r) => `- ${r.label}: ${r.roundsRps.map((x) => x.toLocaleString('en-US')).join(' / ')}`).join('\n') + '\n';
    writeFileSync(written.md, markdown);
  }
  process.stdout.write(markdown + '\n');
  if (args.profile) {
    const sections = rows.map((r) => [r, summariseProfileDir(profileDir(r.key))] as const).filter(([, s]) => s !== undefined)
      .map(([r, s]) => `## ${r.label}\n\n${Math.round(r.rps).toLocaleString('en-US')} req/s under the profiler.\n\n${s}`);
    writeFileSync(join(out, 'profiles.md'), `# CPU profiles under load\n\n${meta.date}; wrk ${meta.settings.threads} threads, ${meta.settings.connections} connections, ${args.durationS} s.\n\n${sections.join('\n\n')}\n`);
    process.stdout.write(`profile summaries: ${join(out, 'profiles.md')}\n`);
  }
}

/** The row of the round with the median req/s (the lower middle one for an even count). */
function medianRow(rows: Row[]): Row {
  const sorted = [...rows].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * Sessions live in Redis, so the proxy's memory must not depend on how many it has seen: through
 * the second half of the sessions RSS may move only by noise (the garbage collector's timing),
 * where state kept per session would climb steadily.
 */
function manySessionsCheck(count: number, r: ManySessionsResult | undefined): TargetCheck {
  const name = `${count.toLocaleString('en-US')} distinct Redis sessions cost no memory growth`;
  return {
    name,
    check: () => r === undefined
      ? { met: undefined, detail: 'needs the sidecar-redis row' }
      : {
          met: r.failed === 0 && r.growthMiB <= 5,
          detail: `RSS ${r.rssStartMiB} MiB at start; after each tenth of the sessions ${r.rssAtTenthsMiB.join(', ')} MiB; second half ${r.growthMiB >= 0 ? '+' : ''}${r.growthMiB} MiB; ${r.failed} failed requests; ${r.seconds} s`,
        },
  };
}

/** oauth2-sidecar's /oauth2/auth behind nginx auth_request, as in a gateway deployment. */
async function sidecarBehindNginx(o: { issuer: string; upstreamUrl: string }): Promise<Target> {
  const s = await startSidecar(o);
  try {
    const cookie = await signInForCookie(`${s.url}/`);
    const nginx = await startNginxAuthRequest({ upstreamUrl: o.upstreamUrl, authUrl: `${s.url}/oauth2/auth` });
    return {
      key: 'sidecar-auth-request',
      label: 'oauth2-sidecar /oauth2/auth behind nginx auth_request',
      url: nginx.url,
      headers: { cookie },
      reachesUpstream: true,
      // The row is about the auth service: nginx's own cost is the same as in the peer row.
      pids: () => [s.process.pid, ...nginx.pids()],
      stop: async () => { await nginx.stop(); await s.stop(); },
    };
  } catch (err) {
    await s.stop();
    throw err;
  }
}

main().catch(async (err) => {
  process.stderr.write(`benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await stopAll().catch(() => killAllNow());
  process.exit(1);
});
