// <prefix>/static/*: the few assets the built-in pages reference.
import { sendText } from '../http/respond.js';
import type { Handler } from '../http/pipeline.js';

export function makeStatic(deps: { prefix: string; asset: (path: string) => { body: Buffer; contentType: string } | undefined }): Handler {
  const base = `${deps.prefix}/static/`;
  return (req, res, scope) => {
    const asset = req.method === 'GET' || req.method === 'HEAD' ? deps.asset(scope.path.slice(base.length)) : undefined;
    if (!asset) {
      sendText(res, 404, 'Not Found');
      return;
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', asset.contentType);
    res.setHeader('Content-Length', asset.body.length);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  };
}
