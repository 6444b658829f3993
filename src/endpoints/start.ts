// <prefix>/start: begin the authorization-code flow toward the provider (`?provider=<id>` picks one
// of several; an unknown id is a 400, never a silent fallback to another provider).
import type { Handler } from '../http/pipeline.js';
import type { LoginFlow } from './login-flow.js';

export function makeStart(flow: LoginFlow): Handler {
  return (req, res, scope) => {
    const provider = flow.providerOf?.(scope);
    flow.start(req, res, scope, flow.redirectTarget(req, scope), provider);
  };
}
