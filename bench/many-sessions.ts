// Does the proxy's memory grow with the number of sessions it has seen? Sessions live in Redis, so
// it must not: this writes N distinct sessions into Redis (with the project's own store code, as
// sign-ins would), sends one request per session through a Redis-backed oauth2-sidecar, and reads
// the proxy's RSS after every tenth of them.
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { createRedisSessionStore } from '../src/session/redis-store.js';
import type { SessionState } from '../src/session/state.js';
import { COOKIE_SECRET, startSidecar } from './sidecar.js';

export interface ManySessionsResult {
  sessions: number;
  rssStartMiB: number;
  /** RSS after each tenth of the sessions. */
  rssAtTenthsMiB: number[];
  /**
   * RSS after all sessions minus RSS after half of them. Garbage collection makes RSS jump up and
   * down by tens of MiB in the first half; state kept per session would show as a steady climb
   * through the second half instead.
   */
  growthMiB: number;
  peakMiB: number;
  failed: number;
  seconds: number;
}

const COOKIE_NAME = '_oauth2_proxy';
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

export async function measureManySessions(o: { issuer: string; upstreamUrl: string; redisUrl: string; count: number }): Promise<ManySessionsResult> {
  const client = new Redis(o.redisUrl, { lazyConnect: false });
  const store = createRedisSessionStore({
    client,
    cookie: { name: COOKIE_NAME, secret: COOKIE_SECRET, domains: [], path: '/', expireMs: 168 * 3600_000, secure: false, httpOnly: true, sameSite: '' },
  });
  const proxy = await startSidecar({ ...o, flags: ['--session-store-type=redis', `--redis-connection-url=${o.redisUrl}`] });
  const started = Date.now();
  try {
    const cookies = await writeSessions(store, o.count);
    const pid = proxy.process.pid;
    const pool = new Pool(proxy.url, { connections: 50 });
    let failed = 0;
    const rssStartMiB = rssMiB(pid);
    const tenths: number[] = [];
    for (let k = 0; k < 10; k++) {
      await requestEach(pool, cookies.slice(Math.floor(k * o.count / 10), Math.floor((k + 1) * o.count / 10)), () => failed++);
      tenths.push(round(rssMiB(pid)));
    }
    await pool.close();
    return {
      sessions: o.count, rssStartMiB: round(rssStartMiB), rssAtTenthsMiB: tenths,
      growthMiB: round(tenths[9]! - tenths[4]!), peakMiB: Math.max(...tenths), failed, seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    await proxy.stop();
    await store.close();
  }
}

const round = (x: number) => Math.round(x * 10) / 10;

async function writeSessions(store: ReturnType<typeof createRedisSessionStore>, count: number): Promise<string[]> {
  const cookies = new Array<string>(count);
  const now = Date.now();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const s: SessionState = { user: `user${i}`, email: `user${i}@example.com`, groups: ['staff'], createdAt: now, expiresOn: now + 3600_000 };
      const lines = await store.save({ cookies: new Map(), host: '127.0.0.1' }, s, { fresh: true });
      cookies[i] = lines.map((l) => l.split(';', 1)[0]!).join('; ');
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  return cookies;
}

async function requestEach(pool: Pool, cookies: string[], onFail: () => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < cookies.length; i = next++) {
      const r = await pool.request({ path: '/', method: 'GET', headers: { cookie: cookies[i]! } });
      await r.body.dump();
      if (r.statusCode !== 200) onFail();
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
}
