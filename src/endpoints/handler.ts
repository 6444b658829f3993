import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestScope } from '../http/scope.js';

/** Every endpoint and pipeline step has this shape; the composition root wires them together. */
export type Handler = (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => Promise<void> | void;
