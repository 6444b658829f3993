// JSON-lines logging with pino, split into oauth2-proxy's three streams (standard, auth, request),
// each switchable with its own flag. Only fields chosen here are logged: no header values, cookies,
// tokens or secrets ever reach a log line.
import { pino, type Logger, type DestinationStream } from 'pino';

export interface LogOptions {
  standardLogging: boolean;
  authLogging: boolean;
  requestLogging: boolean;
  /** Where lines go; stdout by default. Tests pass a stream to read lines back. */
  destination?: DestinationStream;
}

export interface RequestLogEntry {
  requestId: string;
  client: string;
  method: string;
  host: string;
  path: string;
  status: number;
  durationMs: number;
  user: string;
  upstream: string;
  size: number;
}

export type AuthStatus = 'AuthSuccess' | 'AuthFailure' | 'AuthError';

export interface AuthLogEntry {
  requestId: string;
  client: string;
  user: string;
  status: AuthStatus;
  reason: string;
}

export interface Log {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  auth(entry: AuthLogEntry): void;
  request(entry: RequestLogEntry): void;
  flush(): void;
}

export function createLog(opts: LogOptions): Log {
  const destination = opts.destination ?? pino.destination({ dest: 1, sync: false, minLength: 0 });
  const root: Logger = pino(
    {
      base: { container: 'oauth2-sidecar' },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const std = root.child({ stream: 'standard' });
  const authLog = root.child({ stream: 'auth' });
  const reqLog = root.child({ stream: 'request' });

  return {
    info(msg, fields) { if (opts.standardLogging) std.info(fields ?? {}, msg); },
    warn(msg, fields) { if (opts.standardLogging) std.warn(fields ?? {}, msg); },
    // Errors are always written: a silenced error log hides outages.
    error(msg, fields) { std.error(fields ?? {}, msg); },
    auth(e) {
      if (!opts.authLogging) return;
      const line = { request_id: e.requestId, client: e.client, user: e.user, status: e.status, reason: e.reason };
      if (e.status === 'AuthSuccess') authLog.info(line, 'authentication succeeded');
      else if (e.status === 'AuthFailure') authLog.warn(line, 'authentication failed');
      else authLog.error(line, 'authentication error');
    },
    request(e) {
      if (!opts.requestLogging) return;
      reqLog.info({
        request_id: e.requestId, client: e.client, method: e.method, host: e.host, path: e.path,
        status: e.status, duration_ms: Math.round(e.durationMs * 1000) / 1000, user: e.user,
        upstream: e.upstream, size: e.size,
      }, 'request');
    },
    flush() { try { root.flush(); } catch { /* destination already closed */ } },
  };
}

/** A logger that drops everything, for unit tests of modules that take a Log. */
export const silentLog: Log = {
  info() {}, warn() {}, error() {}, auth() {}, request() {}, flush() {},
};
