// The canonical view of a request target that route rules match on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseTarget } from '../../src/http/target.js';

describe('request target normalisation', () => {
  const clear: Array<[string, string, string]> = [
    ['/public/a', '/public/a', ''],
    ['/public/a?x=/admin', '/public/a', 'x=/admin'],
    ['/p%75blic/%7Ea', '/public/~a', ''],
    ['/caf%C3%A9', '/café', ''],
    ['/a%20b', '/a b', ''],
    ['http://h.example/public/a?q', '/public/a', 'q'],
  ];
  for (const [raw, decoded, query] of clear) {
    it(`${raw} → ${decoded}`, () => {
      const t = normaliseTarget(raw);
      assert.equal(t.ambiguous, false);
      assert.equal(t.decoded, decoded);
      assert.equal(t.query, query);
    });
  }

  const ambiguous = [
    '/public/../admin', '/public/./admin', '/public/..', '//public/a', '/public//a',
    '/public/..%2Fadmin', '/public%2F..%2Fadmin', '/public/%2e%2e/admin', '/public/%2E%2E%2Fadmin', '/public/.%2e/admin',
    '/public/%252e%252e/admin', '/public/%25', '/public/..;/admin', '/public;x/a', '/public\\..\\admin', '/public%5c..%5cadmin',
    '/admin%23/public', '/admin#/public', '/admin%3F/public', '/public/%00', '/public/%zz', '/public/%C3', '/public/%FF',
    '*', 'ftp://x/public',
  ];
  for (const raw of ambiguous) {
    it(`${raw} is ambiguous`, () => assert.equal(normaliseTarget(raw).ambiguous, true));
  }

  it('keeps the raw path for routing and forwarding', () => {
    assert.equal(normaliseTarget('/a%2Fb/./c?x').path, '/a%2Fb/./c');
  });
});
