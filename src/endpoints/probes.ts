// /ping, /ready and /robots.txt: answered before any routing or authentication.
import { sendText } from '../http/respond.js';
import type { Log } from '../log.js';
import type { Handler } from '../http/pipeline.js';

export const ping: Handler = (_req, res) => sendText(res, 200, 'OK');

export const robots: Handler = (_req, res) => sendText(res, 200, 'User-agent: *\nDisallow: /\n');

export function makeReady(deps: { checks: Array<() => Promise<void>>; log: Log }): Handler {
  return async (_req, res, scope) => {
    try {
      await Promise.all(deps.checks.map((c) => c()));
      sendText(res, 200, 'OK');
    } catch (err) {
      deps.log.warn('readiness check failed', { request_id: scope.id, error: err instanceof Error ? err.message : String(err) });
      sendText(res, 500, 'error: not ready');
    }
  };
}
