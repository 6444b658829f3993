// The Node.js answer most teams reach for: express with express-openid-connect in front of
// http-proxy-middleware.
import { randomBytes } from 'node:crypto';
import { start } from '../lib/procs.js';
import type { Target } from '../lib/target.js';
import { BENCH_CLIENT_ID, BENCH_CLIENT_SECRET } from '../lib/idp.js';
import { signInOrStop } from '../lib/signin.js';
import { peerScript, benchDir, stopAndClean } from './util.js';

export interface ExpressPeer extends Target {
  port: number;
}

/** Starts the express peer and signs in through its real flow; `headers` carries the session cookie. */
export async function startExpress(opts: { issuer: string; upstreamUrl: string }): Promise<ExpressPeer> {
  const proc = await start(process.execPath, [peerScript('express-peer.mjs')], {
    cwd: benchDir(),
    ready: /^listening on \d+$/m,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      ISSUER: opts.issuer,
      UPSTREAM: opts.upstreamUrl,
      CLIENT_ID: BENCH_CLIENT_ID,
      CLIENT_SECRET: BENCH_CLIENT_SECRET,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      PORT: '0',
    },
  });
  const port = Number(/^listening on (\d+)$/m.exec(proc.output())![1]);
  const url = `http://127.0.0.1:${port}/`;
  const stop = stopAndClean(proc);
  const cookie = await signInOrStop(url, stop);
  return {
    port,
    label: 'express + express-openid-connect + http-proxy-middleware',
    key: 'express',
    url,
    headers: { Cookie: cookie },
    pids: () => [proc.pid],
    reachesUpstream: true,
    stop,
  };
}
