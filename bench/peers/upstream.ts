// The upstream every row proxies to: nginx answering a fixed body, with a request counter so the
// report can tell how many requests a target really passed through.
import { request } from 'node:http';
import type { Target } from '../lib/target.js';
import { freePort } from '../../test/support/ports.js';
import { startNginx } from './nginx.js';
import { stopAndClean } from './util.js';

/** Exactly 100 bytes, so every row moves the same payload. */
export const UPSTREAM_BODY = 'oauth2-sidecar bench upstream: a fixed plain-text body of one hundred bytes, same for every request\n';

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // agent: false, so the status fetch never lingers on a kept-alive connection.
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface Upstream {
  url: string;
  port: number;
  /** Requests the upstream has served since it started, not counting these status reads. */
  requestCount(): Promise<number>;
  /** The "direct" row: wrk straight at the upstream. */
  target: Target;
}

export async function startUpstream(): Promise<Upstream> {
  const port = await freePort();
  const statusPort = await freePort();
  const { proc, dir } = await startNginx('upstream', `
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      default_type text/plain;
      return 200 ${JSON.stringify(UPSTREAM_BODY)};
    }
  }
  server {
    listen 127.0.0.1:${statusPort};
    location / { stub_status; }
  }`, [port, statusPort]);

  // stub_status counts the request that reads it, and this upstream's status server sees no
  // other traffic, so every read made here is one request to take off the total.
  let statusReads = 0;
  async function requestCount(): Promise<number> {
    statusReads++;
    const res = await httpGet(`http://127.0.0.1:${statusPort}/`);
    const m = /\n\s*(\d+)\s+(\d+)\s+(\d+)\s*\n/.exec(res.body);
    if (res.status !== 200 || !m) throw new Error(`upstream stub_status: unexpected answer (HTTP ${res.status}):\n${res.body}`);
    return Number(m[3]) - statusReads;
  }

  const url = `http://127.0.0.1:${port}/`;
  const stop = stopAndClean(proc, dir);
  return {
    url,
    port,
    requestCount,
    target: {
      label: 'nginx upstream, direct (no proxy)',
      key: 'direct',
      url,
      headers: {},
      pids: () => [proc.pid],
      reachesUpstream: true,
      stop,
    },
  };
}

