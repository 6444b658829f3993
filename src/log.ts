// Logging in oauth2-proxy's three streams (standard, auth, request), each switchable with its own
// flag, written in one of two formats:
//   text  oauth2-proxy's lines, from its Go-template formats (--*-logging-format), for drop-in use;
//   json  one JSON object per line, led by the fields a Kubernetes log pipeline keys on
//         ({"container","pod","level","msg",...}), with pod and container from the environment.
// Only fields chosen by the callers are logged, and any field whose name suggests a credential is
// masked on top of that: no header values, cookies, tokens or secrets ever reach a log line.
import { pino } from 'pino';
import { openRotatingFile, type RotatingFile } from './logging/rotate.js';
import { AUTH_VARS, compileLogFormat, goQuote, goTimestamp, REQUEST_VARS, STANDARD_VARS, type LogTemplate } from './logging/template.js';

export type LogFormat = 'json' | 'text';

/** Anything lines can be written to: a stream, a pino destination, a rotating file. */
export interface LineSink {
  write(line: string): unknown;
}

export const DEFAULT_STANDARD_FORMAT = '[{{.Timestamp}}] [{{.File}}] {{.Message}}';
export const DEFAULT_AUTH_FORMAT = '{{.Client}} - {{.RequestID}} - {{.Username}} [{{.Timestamp}}] [{{.Status}}] {{.Message}}';
export const DEFAULT_REQUEST_FORMAT =
  '{{.Client}} - {{.RequestID}} - {{.Username}} [{{.Timestamp}}] {{.Host}} {{.RequestMethod}} {{.Upstream}} ' +
  '{{.RequestURI}} {{.Protocol}} {{.UserAgent}} {{.StatusCode}} {{.ResponseSize}} {{.RequestDuration}}';

export interface LogOptions {
  standardLogging: boolean;
  authLogging: boolean;
  requestLogging: boolean;
  /** json unless told otherwise (the programmatic default; the command line defaults to text). */
  format?: LogFormat;
  standardFormat?: string;
  authFormat?: string;
  requestFormat?: string;
  /** Request paths never request-logged. */
  excludePaths?: readonly string[];
  /** Error lines go to the error destination (stderr) unless this is true. */
  errorsToInfoLog?: boolean;
  /** Text timestamps in local time (oauth2-proxy's default) or UTC. */
  localTime?: boolean;
  /** Where lines go; stdout by default. Tests pass a stream to read lines back. */
  destination?: LineSink;
  /** Where error lines go; stderr by default, or `destination` when that is given. */
  errorDestination?: LineSink;
  /** Rotating log file; replaces both destinations. */
  file?: { filename: string; maxSizeMb: number; maxAgeDays: number; maxBackups: number; compress: boolean };
  /** Environment for the pod and container fields of JSON lines. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Injected clock, so tests can compare whole lines. */
  now?: () => Date;
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
  /** "HTTP/1.1" */
  protocol?: string;
  userAgent?: string;
}

export type AuthStatus = 'AuthSuccess' | 'AuthFailure' | 'AuthError';

export interface AuthLogEntry {
  requestId: string;
  client: string;
  user: string;
  status: AuthStatus;
  reason: string;
  host?: string;
  method?: string;
  protocol?: string;
  userAgent?: string;
}

export interface Log {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  auth(entry: AuthLogEntry): void;
  request(entry: RequestLogEntry): void;
  /** Writes out anything buffered; also closes a log file when `final`. */
  flush(final?: boolean): void;
}

// Field names that could carry a credential; their values are never written.
const SECRET_FIELD = /token|secret|password|passwd|cookie|authorization|credential|api[-_]?key|private[-_]?key/i;

function encodeValue(key: string, value: unknown): string {
  if (SECRET_FIELD.test(key)) return '"[redacted]"';
  if (value instanceof Error) return JSON.stringify(value.message);
  const s = JSON.stringify(value);
  return s === undefined ? 'null' : s;
}

function textValue(key: string, value: unknown): string {
  if (SECRET_FIELD.test(key)) return '[redacted]';
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value) ?? 'null';
}

/** Compiles a format or throws with the reason; validate() reports the same reasons at start-up. */
function compile<V extends string>(source: string, vars: readonly V[], flag: string): LogTemplate<V> {
  const c = compileLogFormat(source, vars);
  if (!c.ok) throw new Error(`--${flag}: ${c.reason}`);
  return c.render;
}

/** The identity fields of JSON lines: which container of which pod wrote them. */
export function podFields(env: Readonly<Record<string, string | undefined>>): { container: string; pod?: string; namespace?: string } {
  const out: { container: string; pod?: string; namespace?: string } = { container: env.CONTAINER_NAME || 'oauth2-sidecar' };
  const pod = env.POD_NAME || env.HOSTNAME;
  if (pod) out.pod = pod;
  if (env.POD_NAMESPACE) out.namespace = env.POD_NAMESPACE;
  return out;
}

let stderrSink: LineSink | undefined;
const stderr = (): LineSink => (stderrSink ??= pino.destination({ dest: 2, sync: false, minLength: 0 }));

export function createLog(opts: LogOptions): Log {
  const now = opts.now ?? (() => new Date());
  const local = opts.localTime ?? true;
  let file: RotatingFile | undefined;
  let out: LineSink;
  let err: LineSink;
  if (opts.file) {
    const f = opts.file;
    file = openRotatingFile({
      filename: f.filename, maxBytes: f.maxSizeMb * 1024 * 1024, maxAgeDays: f.maxAgeDays, maxBackups: f.maxBackups,
      compress: f.compress, localTime: local, now,
      // The file is where errors would go, so its own failures are told on standard error.
      onError: (e) => { stderr().write(`oauth2-sidecar: cannot write log file: ${e.message}\n`); },
    });
    out = err = file;
  } else {
    out = opts.destination ?? pino.destination({ dest: 1, sync: false, minLength: 0 });
    err = opts.errorDestination ?? (opts.destination ? out : stderr());
  }
  const errOut = opts.errorsToInfoLog ? out : err;
  const excluded = new Set(opts.excludePaths ?? []);

  const line = opts.format === 'text' ? textLines(opts, local) : jsonLines(opts.env ?? {});

  return {
    info(msg, fields) { if (opts.standardLogging) out.write(line.standard('info', msg, fields, now())); },
    warn(msg, fields) { if (opts.standardLogging) out.write(line.standard('warn', msg, fields, now())); },
    // Errors are always written: a silenced error log hides outages.
    error(msg, fields) { errOut.write(line.standard('error', msg, fields, now())); },
    auth(e) { if (opts.authLogging) out.write(line.auth(e, now())); },
    request(e) {
      if (!opts.requestLogging || excluded.has(e.path)) return;
      out.write(line.request(e, now()));
    },
    flush(final) {
      if (file) {
        if (final) file.close();
        else file.flush();
        return;
      }
      for (const sink of new Set([out, err])) {
        const s = sink as { flushSync?: () => void };
        try { s.flushSync?.(); } catch { /* destination not ready or already closed */ }
      }
    },
  };
}

interface LineMaker {
  standard(level: string, msg: string, fields: Record<string, unknown> | undefined, t: Date): string;
  auth(e: AuthLogEntry, t: Date): string;
  request(e: RequestLogEntry, t: Date): string;
}

function jsonLines(env: Readonly<Record<string, string | undefined>>): LineMaker {
  const ids = podFields(env);
  // The leading fields never change: encode them once.
  const head = `{"container":${JSON.stringify(ids.container)}${ids.pod ? `,"pod":${JSON.stringify(ids.pod)}` : ''}${ids.namespace ? `,"namespace":${JSON.stringify(ids.namespace)}` : ''},"level":"`;
  const start = (level: string, msg: string, t: Date, stream: string) =>
    `${head}${level}","msg":${JSON.stringify(msg)},"time":"${t.toISOString()}","stream":"${stream}"`;
  const fieldsOf = (fields: Record<string, unknown> | undefined) => {
    let s = '';
    if (fields) for (const k in fields) s += `,${JSON.stringify(k)}:${encodeValue(k, fields[k])}`;
    return s;
  };
  return {
    standard: (level, msg, fields, t) => `${start(level, msg, t, 'standard')}${fieldsOf(fields)}}\n`,
    auth(e, t) {
      const level = e.status === 'AuthSuccess' ? 'info' : e.status === 'AuthFailure' ? 'warn' : 'error';
      const msg = e.status === 'AuthSuccess' ? 'authentication succeeded' : e.status === 'AuthFailure' ? 'authentication failed' : 'authentication error';
      let s = `${start(level, msg, t, 'auth')},"request_id":${JSON.stringify(e.requestId)},"client":${JSON.stringify(e.client)},"user":${JSON.stringify(e.user)},"status":"${e.status}","reason":${JSON.stringify(e.reason)}`;
      if (e.host !== undefined) s += `,"host":${JSON.stringify(e.host)}`;
      if (e.method !== undefined) s += `,"method":${JSON.stringify(e.method)}`;
      if (e.userAgent !== undefined) s += `,"user_agent":${JSON.stringify(e.userAgent)}`;
      return s + '}\n';
    },
    request(e, t) {
      let s = `${start('info', 'request', t, 'request')},"request_id":${JSON.stringify(e.requestId)},"client":${JSON.stringify(e.client)},"method":${JSON.stringify(e.method)},"host":${JSON.stringify(e.host)},"path":${JSON.stringify(e.path)},"status":${e.status},"duration_ms":${Math.round(e.durationMs * 1000) / 1000},"user":${JSON.stringify(e.user)},"upstream":${JSON.stringify(e.upstream)},"size":${e.size}`;
      if (e.protocol !== undefined) s += `,"protocol":${JSON.stringify(e.protocol)}`;
      if (e.userAgent !== undefined) s += `,"user_agent":${JSON.stringify(e.userAgent)}`;
      return s + '}\n';
    },
  };
}

function textLines(opts: LogOptions, local: boolean): LineMaker {
  const std = compile(opts.standardFormat ?? DEFAULT_STANDARD_FORMAT, STANDARD_VARS, 'standard-logging-format');
  const auth = compile(opts.authFormat ?? DEFAULT_AUTH_FORMAT, AUTH_VARS, 'auth-logging-format');
  const req = compile(opts.requestFormat ?? DEFAULT_REQUEST_FORMAT, REQUEST_VARS, 'request-logging-format');
  return {
    standard(level, msg, fields, t) {
      let message = level === 'info' ? msg : `${level.toUpperCase()}: ${msg}`;
      if (fields) for (const k in fields) message += ` ${k}=${textValue(k, fields[k])}`;
      return std({ Timestamp: goTimestamp(t, local), File: 'oauth2-sidecar', Message: message }) + '\n';
    },
    auth(e, t) {
      return auth({
        Client: e.client, Host: e.host ?? '', Message: e.reason, Protocol: e.protocol ?? '', RequestID: e.requestId,
        RequestMethod: e.method ?? '', Timestamp: goTimestamp(t, local), UserAgent: goQuote(e.userAgent ?? ''),
        Username: e.user || '-', Status: e.status,
      }) + '\n';
    },
    request(e, t) {
      // Go logs the time the request started.
      const started = new Date(t.getTime() - e.durationMs);
      return req({
        Client: e.client, Host: e.host, Protocol: e.protocol ?? 'HTTP/1.1', RequestDuration: (e.durationMs / 1000).toFixed(3),
        RequestID: e.requestId, RequestMethod: e.method, RequestURI: goQuote(e.path), ResponseSize: String(e.size),
        StatusCode: String(e.status), Timestamp: goTimestamp(started, local), Upstream: e.upstream || '-',
        UserAgent: goQuote(e.userAgent ?? ''), Username: e.user || '-',
      }) + '\n';
    },
  };
}

/** A logger that drops everything, for unit tests of modules that take a Log. */
export const silentLog: Log = {
  info() {}, warn() {}, error() {}, auth() {}, request() {}, flush() {},
};
