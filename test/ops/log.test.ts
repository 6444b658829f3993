import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLog, type LogOptions } from '../../src/log.js';
import { compileLogFormat, REQUEST_VARS } from '../../src/logging/template.js';

const T = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));

function capture(opts: Partial<LogOptions>) {
  const out: string[] = [];
  const err: string[] = [];
  const log = createLog({
    standardLogging: true, authLogging: true, requestLogging: true, localTime: false, now: () => T,
    destination: { write: (s: string) => out.push(s) }, errorDestination: { write: (s: string) => err.push(s) }, ...opts,
  });
  return { log, out, err };
}

const REQUEST = {
  requestId: 'req-1', client: '10.0.0.7', method: 'GET', host: 'app.example.com', path: '/dash board', status: 200,
  durationMs: 12.3456, user: 'alice@example.com', upstream: '/', size: 512, protocol: 'HTTP/1.1', userAgent: 'curl/8.5 "x"',
};

describe('log lines', () => {
  it('text: oauth2-proxy default formats, golden', () => {
    const { log, out } = capture({ format: 'text' });
    log.info('listening', { address: 'http://0.0.0.0:4180' });
    log.auth({ requestId: 'req-1', client: '10.0.0.7', user: 'alice@example.com', status: 'AuthSuccess', reason: 'signed in' });
    log.auth({ requestId: 'req-2', client: '10.0.0.8', user: '', status: 'AuthFailure', reason: 'CSRF check failed: missing' });
    log.request(REQUEST);
    log.request({ ...REQUEST, user: '', upstream: '', userAgent: '' });
    assert.deepEqual(out, [
      '[2024/01/02 03:04:05] [oauth2-sidecar] listening address=http://0.0.0.0:4180\n',
      '10.0.0.7 - req-1 - alice@example.com [2024/01/02 03:04:05] [AuthSuccess] signed in\n',
      '10.0.0.8 - req-2 - - [2024/01/02 03:04:05] [AuthFailure] CSRF check failed: missing\n',
      '10.0.0.7 - req-1 - alice@example.com [2024/01/02 03:04:05] app.example.com GET / "/dash board" HTTP/1.1 "curl/8.5 \\"x\\"" 200 512 0.012\n',
      '10.0.0.7 - req-1 - - [2024/01/02 03:04:05] app.example.com GET - "/dash board" HTTP/1.1 "" 200 512 0.012\n',
    ]);
  });

  it('text: custom formats with every variable and Go whitespace trimming', () => {
    // A format that is not just field references is refused before any line is written.
    assert.throws(() => capture({ format: 'text', standardFormat: '{{.Timestamp}} {{- " "}}' }), /--standard-logging-format: only field references/);
    const ok = capture({
      format: 'text',
      requestFormat: '{{.RequestMethod}} {{.RequestURI}} {{.StatusCode}} {{.ResponseSize}}B {{.RequestDuration}}s id={{.RequestID}} ua={{.UserAgent}}',
      authFormat: '{{.Status}}:{{.Username}}  {{- /* note */ -}}  @{{.Client}} {{.Message}} host={{.Host}} m={{.RequestMethod}}',
    });
    ok.log.request(REQUEST);
    ok.log.auth({ requestId: 'r', client: '::1', user: 'bob', status: 'AuthError', reason: 'code redemption failed: network', host: 'h.example', method: 'GET' });
    assert.deepEqual(ok.out, [
      'GET "/dash board" 200 512B 0.012s id=req-1 ua="curl/8.5 \\"x\\""\n',
      'AuthError:bob@::1 code redemption failed: network host=h.example m=GET\n',
    ]);
  });

  it('json: the seed\'s shape first ({"container","pod","level","msg"}), pod and container from the environment', () => {
    const { log, out } = capture({ format: 'json', env: { POD_NAME: 'app-7d8f6b-abc123', CONTAINER_NAME: 'oauth2-proxy', HOSTNAME: 'ignored' } });
    log.info('Authentication successful');
    log.auth({ requestId: 'req-1', client: '10.0.0.7', user: 'alice@example.com', status: 'AuthSuccess', reason: 'signed in' });
    log.request(REQUEST);
    assert.deepEqual(out, [
      '{"container":"oauth2-proxy","pod":"app-7d8f6b-abc123","level":"info","msg":"Authentication successful","time":"2024-01-02T03:04:05.678Z","stream":"standard"}\n',
      '{"container":"oauth2-proxy","pod":"app-7d8f6b-abc123","level":"info","msg":"authentication succeeded","time":"2024-01-02T03:04:05.678Z","stream":"auth","request_id":"req-1","client":"10.0.0.7","user":"alice@example.com","status":"AuthSuccess","reason":"signed in"}\n',
      '{"container":"oauth2-proxy","pod":"app-7d8f6b-abc123","level":"info","msg":"request","time":"2024-01-02T03:04:05.678Z","stream":"request","request_id":"req-1","client":"10.0.0.7","method":"GET","host":"app.example.com","path":"/dash board","status":200,"duration_ms":12.346,"user":"alice@example.com","upstream":"/","size":512,"protocol":"HTTP/1.1","user_agent":"curl/8.5 \\"x\\""}\n',
    ]);
    const first = JSON.parse(out[0] as string) as Record<string, unknown>;
    assert.deepEqual(Object.keys(first).slice(0, 4), ['container', 'pod', 'level', 'msg']);
  });

  it('json: HOSTNAME is the pod name when POD_NAME is absent; the container defaults to oauth2-sidecar', () => {
    const { log, out } = capture({ format: 'json', env: { HOSTNAME: 'web-0' } });
    log.warn('careful');
    assert.match(out[0] as string, /^\{"container":"oauth2-sidecar","pod":"web-0","level":"warn","msg":"careful"/);
  });

  it('never writes a credential, whatever field a caller passes, in either format', () => {
    for (const format of ['json', 'text'] as const) {
      const { log, out } = capture({ format });
      log.info('x', { access_token: 'eyJSECRET', cookieValue: 'SECRET2', clientSecret: 'SECRET3', Authorization: 'Bearer SECRET4', user: 'ok' });
      assert.doesNotMatch(out.join(''), /SECRET/);
      assert.match(out.join(''), /\[redacted\]/);
    }
  });

  it('sends errors to the error stream unless --errors-to-info-log', () => {
    const a = capture({ format: 'text' });
    a.log.error('boom');
    assert.equal(a.out.length, 0);
    assert.deepEqual(a.err, ['[2024/01/02 03:04:05] [oauth2-sidecar] ERROR: boom\n']);
    const b = capture({ format: 'text', errorsToInfoLog: true });
    b.log.error('boom');
    assert.equal(b.out.length, 1);
    assert.equal(b.err.length, 0);
  });

  it('leaves --exclude-logging-path paths and disabled streams out', () => {
    const { log, out } = capture({ format: 'json', excludePaths: ['/healthz'], authLogging: false });
    log.request({ ...REQUEST, path: '/healthz' });
    log.auth({ requestId: 'r', client: 'c', user: 'u', status: 'AuthSuccess', reason: 'x' });
    log.request({ ...REQUEST, path: '/other' });
    assert.equal(out.length, 1);
    assert.match(out[0] as string, /"path":"\/other"/);
  });

  it('refuses formats with unknown fields or anything but field references, saying why', () => {
    const unknown = compileLogFormat('{{.Client}} {{.Nope}}', REQUEST_VARS);
    assert.equal(unknown.ok, false);
    assert.match(!unknown.ok ? unknown.reason : '', /unknown field \{\{\.Nope\}\}/);
    const pipeline = compileLogFormat('{{.Client | printf "%s"}}', REQUEST_VARS);
    assert.equal(pipeline.ok, false);
    const open = compileLogFormat('{{.Client', REQUEST_VARS);
    assert.equal(open.ok, false);
  });
});
