// The shapes shared by endpoints and middleware. Both are wired together in app.ts and never
// import each other; what one needs from the other arrives as one of these functions.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionState } from '../session/state.js';
import type { RequestScope } from './scope.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => Promise<void> | void;

/** Loads (and refreshes when due) the request's session; undefined when signed out. */
export type SessionLoader = (req: IncomingMessage, scope: RequestScope) => Promise<SessionState | undefined>;

/** 'ok', or which rule refused: the global policy (the session ends) or a per-request filter. */
export type Verdict = 'ok' | 'policy' | 'filter';
export type Evaluate = (scope: RequestScope, s: SessionState) => Verdict;
