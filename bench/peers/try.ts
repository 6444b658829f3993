// Smoke check of the peers: start each, sign in, one authenticated GET, stop, and make sure
// nothing it started is left running.
import { execFileSync } from 'node:child_process';
import { startBenchIdp } from '../lib/idp.js';
import { start, stopAll } from '../lib/procs.js';
import type { Target } from '../lib/target.js';
import { createClient } from '../../test/support/http-client.js';
import { startUpstream, UPSTREAM_BODY } from './upstream.js';
import { startNginxProxy, startNginxAuthRequestNode } from './nginx.js';
import { startApache } from './apache.js';
import { startExpress } from './express.js';

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** PIDs of the target's processes and all their descendants, from pgrep's parent links. */
function family(roots: number[]): number[] {
  const out = new Set(roots);
  for (let grew = true; grew;) {
    grew = false;
    for (const pid of [...out]) {
      let kids = '';
      try { kids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }); } catch { /* none */ }
      for (const k of kids.split('\n').filter(Boolean).map(Number)) if (!out.has(k)) { out.add(k); grew = true; }
    }
  }
  return [...out];
}

/** A short wrk run, to see that the target keeps answering 200 under load (WRK=<seconds>). */
async function wrk(t: Target, seconds: number): Promise<string> {
  const headers = Object.entries(t.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const w = await start('wrk', ['-t2', '-c50', `-d${seconds}s`, ...headers, t.url]);
  await w.exited;
  const out = w.output();
  const rps = /Requests\/sec:\s*([\d.]+)/.exec(out)?.[1] ?? '?';
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? '0';
  const errors = /Socket errors:[^\n]*/.exec(out)?.[0] ?? 'no socket errors';
  return `wrk ${seconds}s: ${rps} req/s, non-2xx ${non2xx}, ${errors}`;
}

async function main(): Promise<void> {
  const only = new Set(process.argv.slice(2));
  const idp = await startBenchIdp();
  const upstream = await startUpstream();
  const peer = { issuer: idp.issuer, upstreamUrl: upstream.url };
  const plan: Array<[string, () => Promise<Target>]> = [
    ['direct', async () => upstream.target],
    ['nginx-proxy', () => startNginxProxy(peer)],
    ['nginx-auth-request-node', () => startNginxAuthRequestNode(peer)],
    ['apache-server-cache', () => startApache({ ...peer, sessionType: 'server-cache' })],
    ['apache-client-cookie', () => startApache({ ...peer, sessionType: 'client-cookie' })],
    ['express', () => startExpress(peer)],
  ];
  const seen: number[] = [];
  let failed = false;
  try {
    for (const [key, make] of plan) {
      if (only.size > 0 && !only.has(key)) continue;
      let t: Target;
      try {
        t = await make();
      } catch (err) {
        failed = true;
        console.log(`${key}: FAILED to start/sign in: ${(err as Error).message}`);
        continue;
      }
      try {
        const before = await upstream.requestCount();
        const res = await createClient().request(t.url, { headers: t.headers });
        const after = await upstream.requestCount();
        const ok = res.status === 200 && res.body === UPSTREAM_BODY && after - before === 1;
        if (!ok) failed = true;
        const cookieNames = (t.headers.Cookie ?? '').split('; ').filter(Boolean).map((c) => `${c.split('=')[0]}(${c.length})`);
        console.log(`${ok ? 'ok  ' : 'FAIL'} ${t.key}: ${t.url} HTTP ${res.status} body ${JSON.stringify(res.body.slice(0, 40))}… upstream +${after - before}` +
          `${cookieNames.length ? ` cookies ${cookieNames.join(' ')}` : ''}`);
        if (process.env.SHOW_HEADERS) console.log(`  wrk ${Object.entries(t.headers).map(([k, v]) => `-H '${k}: ${v}'`).join(' ')} ${t.url}`);
        seen.push(...family(t.pids()));
        if (process.env.WRK) console.log(`  ${await wrk(t, Number(process.env.WRK))}`);
      } finally {
        if (t !== upstream.target) await t.stop();
      }
    }
    seen.push(...family(upstream.target.pids()));
  } finally {
    await upstream.target.stop();
    await stopAll();
    await idp.close();
  }
  const left = seen.filter(alive);
  if (left.length > 0) {
    failed = true;
    console.log(`FAIL processes left running: ${left.join(' ')}`);
  } else {
    console.log(`ok   all ${seen.length} processes started here are gone`);
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
