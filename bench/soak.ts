// Soak: a long run at a steady rate below the maximum, with sign-ins, refreshes and sign-outs mixed
// into the proxied traffic, that fails when anything errs, when memory keeps growing after warm-up,
// or when sockets or file descriptors are left open. Bounded in time; not part of the test suite.
//
//   node dist/bench/soak.js [--minutes=10] [--rate=<req/s>] [--users=20] [--store=cookie|redis]
//
// Without --rate it first measures the maximum with wrk (5 s) and runs at half of it.
import { readdirSync, readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { startBenchIdp } from './lib/idp.js';
import { killAllNow, stopAll } from './lib/procs.js';
import { signInForCookie } from './lib/signin.js';
import { runWrk } from './lib/wrk.js';
import { startUpstream } from './peers/upstream.js';
import { startRedis, startSidecar } from './sidecar.js';

interface Args { minutes: number; rate?: number; users: number; store: 'cookie' | 'redis' }

function parseArgs(argv: string[]): Args {
  const a: Args = { minutes: 10, users: 20, store: 'cookie' };
  for (const arg of argv) {
    const [k, v = ''] = arg.replace(/^--/, '').split('=', 2) as [string, string?];
    if (k === 'minutes') a.minutes = Number(v);
    else if (k === 'rate') a.rate = Number(v);
    else if (k === 'users') a.users = Number(v);
    else if (k === 'store' && (v === 'cookie' || v === 'redis')) a.store = v;
    else throw new Error(`unknown argument ${arg}; known: --minutes=N --rate=N --users=N --store=cookie|redis`);
  }
  if (!(a.minutes > 0 && a.minutes <= 120)) throw new Error('--minutes must be in (0,120]');
  if (a.rate !== undefined && !(a.rate > 0)) throw new Error('--rate must be positive');
  if (!(Number.isInteger(a.users) && a.users >= 2 && a.users <= 1000)) throw new Error('--users must be an integer in [2,1000]');
  return a;
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? 0; };

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  process.stderr.write(`gave up waiting: ${what}\n`);
  return false;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  process.once('SIGINT', () => { killAllNow(); process.exit(130); });
  const idp = await startBenchIdp();
  const upstream = await startUpstream();
  const redis = args.store === 'redis' ? await startRedis() : undefined;
  // Sessions are refreshed every 30 s, so refreshes happen all along the run.
  const flags = ['--cookie-refresh=30s', ...(redis ? ['--session-store-type=redis', `--redis-connection-url=${redis.url}`] : [])];
  const proxy = await startSidecar({ issuer: idp.issuer, upstreamUrl: upstream.url, flags });
  const pid = proxy.process.pid;
  const failures: string[] = [];
  try {
    const cookies: string[] = [];
    for (let i = 0; i < args.users; i++) cookies.push(await signInForCookie(`${proxy.url}/`));
    const idleFdsBefore = fdCount(pid);
    let rate = args.rate;
    if (rate === undefined) {
      const max = await runWrk({ url: `${proxy.url}/`, headers: { cookie: cookies[0]! }, threads: 2, connections: 50, durationS: 5 });
      rate = Math.max(50, Math.floor(max.rps / 2));
      process.stderr.write(`maximum ${Math.round(max.rps)} req/s; soaking at ${rate} req/s\n`);
    }

    const pool = new Pool(proxy.url, { connections: 32, pipelining: 1 });
    const stats = { ok: 0, signIns: 0, signOuts: 0, refreshed: 0, errors: 0, behind: 0 };
    const samples: Array<{ t: number; rss: number }> = [];
    const started = Date.now();
    const endAt = started + args.minutes * 60_000;
    let inFlight = 0;
    // Per user, so a sign-out waits for that user's requests already on the wire, as a browser's
    // sign-out follows its page's requests rather than racing them.
    const inFlightOf = new Array<number>(cookies.length).fill(0);
    let next = 0;
    const MAX_IN_FLIGHT = 256;

    const one = async (i: number) => {
      inFlight++;
      inFlightOf[i]!++;
      try {
        const sent = cookies[i]!;
        const r = await pool.request({ path: '/', method: 'GET', headers: { cookie: sent } });
        await r.body.dump();
        const set = r.headers['set-cookie'];
        if (set) {
          // A refresh re-issues the session cookie; keep it, as a browser would.
          const lines = Array.isArray(set) ? set : [set];
          // A cleared cookie has an empty value; a fresh one may end in '=' (base64 padding).
          const fresh = lines.map((l) => l.split(';', 1)[0]!).filter((kv) => kv.indexOf('=') < kv.length - 1);
          // Unless the user has signed out (or in again) meanwhile.
          if (fresh.length && cookies[i] === sent) { cookies[i] = fresh.join('; '); stats.refreshed++; }
        }
        if (r.statusCode === 200) stats.ok++;
        else { stats.errors++; if (failures.length < 20) failures.push(`HTTP ${r.statusCode} for user ${i}`); }
      } catch (err) {
        stats.errors++;
        if (failures.length < 20) failures.push(`request failed: ${(err as Error).message}`);
      } finally {
        inFlight--;
        inFlightOf[i]!--;
      }
    };

    // Every few seconds one user signs out (the old cookie must then be refused) and signs in again.
    const churn = async () => {
      const i = Math.floor(Math.random() * cookies.length);
      const old = cookies[i]!;
      cookies[i] = '';
      await waitFor(`user ${i}'s requests to finish before signing out`, () => inFlightOf[i] === 0, 10_000);
      const out = await pool.request({ path: '/oauth2/sign_out', method: 'GET', headers: { cookie: old } });
      await out.body.dump();
      stats.signOuts++;
      if (redis) {
        const replay = await pool.request({ path: '/', method: 'GET', headers: { cookie: old, accept: 'application/json' } });
        await replay.body.dump();
        if (replay.statusCode === 200) failures.push('a signed-out Redis session was still accepted');
      }
      cookies[i] = await signInForCookie(`${proxy.url}/`);
      stats.signIns++;
    };

    const TICK_MS = 10;
    const perTick = rate * TICK_MS / 1000;
    let credit = 0;
    let lastChurn = Date.now();
    let lastSample = Date.now();
    let churning: Promise<void> | undefined;
    while (Date.now() < endAt) {
      credit += perTick;
      while (credit >= 1) {
        credit -= 1;
        const i = next++ % cookies.length;
        if (!cookies[i]) continue;
        if (inFlight >= MAX_IN_FLIGHT) { stats.behind++; continue; }
        void one(i);
      }
      const now = Date.now();
      if (!churning && now - lastChurn > 3_000) {
        lastChurn = now;
        churning = churn().catch((err) => { failures.push(`sign-in/out failed: ${(err as Error).message}`); }).finally(() => { churning = undefined; });
      }
      if (now - lastSample >= 5_000) { lastSample = now; samples.push({ t: now - started, rss: rssMiB(pid) }); }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    await churning;
    await waitFor('requests in flight to finish', () => inFlight === 0, 30_000);
    const seconds = (Date.now() - started) / 1000;
    await pool.close();
    // Keep-alive connections to the upstream close on their own after the proxy's idle timeout.
    const settled = await waitFor('file descriptors back to the idle count', () => fdCount(pid) <= idleFdsBefore + 2, 60_000);
    const idleFdsAfter = fdCount(pid);

    const warm = samples.filter((s) => s.t >= Math.min(60_000, args.minutes * 60_000 * 0.2));
    const head = warm.slice(0, Math.max(1, Math.floor(warm.length / 5)));
    const tail = warm.slice(-Math.max(1, Math.floor(warm.length / 5)));
    const growth = median(tail.map((s) => s.rss)) / median(head.map((s) => s.rss)) - 1;
    const report = {
      minutes: args.minutes, store: args.store, targetRate: rate, achievedRate: Math.round((stats.ok + stats.errors) / seconds),
      ...stats, rssAfterWarmupMiB: +median(head.map((s) => s.rss)).toFixed(1), rssAtEndMiB: +median(tail.map((s) => s.rss)).toFixed(1),
      rssGrowthPct: +(growth * 100).toFixed(1), idleFdsBefore, idleFdsAfter,
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    if (stats.errors > 0) failures.push(`${stats.errors} failed requests`);
    if (growth > 0.10) failures.push(`RSS grew ${(growth * 100).toFixed(1)}% after warm-up (limit 10%)`);
    if (!settled) failures.push(`file descriptors: ${idleFdsBefore} idle before, ${idleFdsAfter} after the load stopped`);
    if (stats.behind > rate) failures.push(`the proxy fell behind the rate ${stats.behind} times`);
  } finally {
    await proxy.stop();
    await stopAll();
    await idp.close();
  }
  if (failures.length) {
    process.stderr.write(`soak FAILED:\n  ${failures.join('\n  ')}\n`);
    process.exit(1);
  }
  process.stderr.write('soak passed\n');
}

main().catch(async (err) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await stopAll().catch(() => killAllNow());
  process.exit(1);
});
