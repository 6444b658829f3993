// <prefix>/start: begin the authorization-code flow toward the provider.
import type { Handler } from '../http/pipeline.js';
import type { LoginFlow } from './login-flow.js';

export function makeStart(flow: LoginFlow): Handler {
  return (req, res, scope) => {
    flow.start(req, res, scope, flow.redirectTarget(req, scope));
  };
}
