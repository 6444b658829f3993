// Coded errors. Every failure that can reach a client carries a stable code and an HTTP status;
// `expose` says whether the message is safe to show (4xx) or must be replaced by the request id (5xx).

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CSRF_INVALID'
  | 'STATE_INVALID'
  | 'PROVIDER_ERROR'
  | 'LOGIN_FAILED'
  | 'SESSION_INVALID'
  | 'UPSTREAM_UNREACHABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL';

const DEFAULT_STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CSRF_INVALID: 403,
  STATE_INVALID: 403,
  PROVIDER_ERROR: 403,
  LOGIN_FAILED: 500,
  SESSION_INVALID: 403,
  UPSTREAM_UNREACHABLE: 502,
  UPSTREAM_TIMEOUT: 504,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export class ProxyError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** true when `message` may be shown to the client; 5xx never expose internals. */
  readonly expose: boolean;

  constructor(code: ErrorCode, message: string, opts: { status?: number; cause?: unknown; expose?: boolean } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProxyError';
    this.code = code;
    this.status = opts.status ?? DEFAULT_STATUS[code];
    this.expose = opts.expose ?? this.status < 500;
  }
}

export function isProxyError(err: unknown): err is ProxyError {
  return err instanceof ProxyError;
}

/** Turns anything thrown into a ProxyError without leaking its text when it is not one of ours. */
export function toProxyError(err: unknown): ProxyError {
  if (err instanceof ProxyError) return err;
  return new ProxyError('INTERNAL', 'internal error', { cause: err });
}
