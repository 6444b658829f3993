// Malformed and hostile requests get a clear status and never a crash, a stack trace, or a path
// around authentication.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../support/stack.js';

/** Sends raw bytes and returns the raw answer (the status line is enough for most cases). */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (c) => (out += c));
    socket.on('end', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
    socket.end(text);
  });
}

function status(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

describe('hostile input', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({});
  });
  after(() => s.close());

  const cases: Array<[string, string, number[]]> = [
    ['absolute-form target', 'GET http://evil.example/private HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n', [403]],
    ['asterisk target', 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', [403, 400, 404]],
    ['dot segments into the proxy prefix', 'GET /oauth2/../private HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', [404]],
    ['encoded prefix', 'GET /%6Fauth2/userinfo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', [403]],
    ['ping with a suffix', 'GET /ping/../private HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', [403]],
    ['bad percent escapes in rd', 'GET /oauth2/sign_out?rd=%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', [302]],
    ['broken cookie header', 'GET / HTTP/1.1\r\nHost: x\r\nCookie: ;;;=;_oauth2_proxy=%%%|a|;=;_oauth2_proxy_0=x\r\nConnection: close\r\n\r\n', [403]],
    ['control bytes in a cookie', 'GET / HTTP/1.1\r\nHost: x\r\nCookie: _oauth2_proxy=\x01\x02\r\nConnection: close\r\n\r\n', [400]],
    ['header without colon', 'GET / HTTP/1.1\r\nHost: x\r\nbroken header\r\n\r\n', [400]],
    ['bare LF smuggling attempt', 'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n', [400]],
    ['oversized headers', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70 * 1024)}\r\n\r\n`, [431]],
    ['callback with a huge form body', `POST /oauth2/callback HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${70 * 1024}\r\nConnection: close\r\n\r\n${'a'.repeat(70 * 1024)}`, [413]],
    ['sign_in with POST', 'POST /oauth2/sign_in HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', [405]],
    ['websocket upgrade to an endpoint', 'GET /oauth2/userinfo HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n', [400]],
  ];

  for (const [name, request, allowed] of cases) {
    it(`${name} → ${allowed.join(' or ')}`, async () => {
      const before = s.echo.requests.length;
      const answer = await raw(s.proxy.port, request);
      assert.ok(allowed.includes(status(answer)), `got: ${answer.slice(0, 200)}`);
      assert.doesNotMatch(answer, /\n\s+at \S+ \(|node:internal|TypeError|ReferenceError/, 'no stack trace or internals');
      assert.equal(s.echo.requests.length, before, 'nothing reached the upstream');
    });
  }

  it('is still healthy afterwards', async () => {
    const r = await s.anonymous.request(`${s.proxy.url}/ping`);
    assert.equal(r.status, 200);
    assert.doesNotMatch(s.proxy.logText(), /"level":"(fatal)"/);
  });
});
