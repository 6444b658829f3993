// <prefix>/userinfo: the session's identity as JSON, for front-ends that want to show who is signed in.
import { appendSetCookies, sendJson, sendText } from '../http/respond.js';
import type { Handler, SessionLoader } from '../http/pipeline.js';

export function makeUserInfo(loadSession: SessionLoader): Handler {
  return async (req, res, scope) => {
    const s = await loadSession(req, scope);
    appendSetCookies(res, scope.setCookies);
    if (!s) {
      sendText(res, 401, 'Unauthorized');
      return;
    }
    const body: Record<string, unknown> = { user: s.user, email: s.email };
    if (s.groups.length > 0) body.groups = s.groups;
    if (s.preferredUsername) body.preferredUsername = s.preferredUsername;
    sendJson(res, 200, body);
  };
}
