import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { formatDuration, parseGoDuration } from '../../src/config/duration.js';
import { loadConfig } from '../../src/config/load.js';
import { VALID_ARGS, assertHasError, loadErrors, loadOk } from './support.js';

const H = 3_600_000;
const M = 60_000;
const S = 1_000;

describe('Go durations', () => {
  const valid: [string, number][] = [
    ['0', 0],
    ['+0', 0],
    ['-0', 0],
    ['0s', 0],
    ['168h', 168 * H],
    ['1h30m', H + 30 * M],
    ['15m', 15 * M],
    ['1.5h', 1.5 * H],
    ['300ms', 300],
    ['2h45m10s', 2 * H + 45 * M + 10 * S],
    ['1s', S],
    ['30s', 30 * S],
    ['.5s', 500],
    ['1.s', S],
    ['1.25s', 1250],
    ['-1.5h', -1.5 * H],
    ['+2m', 2 * M],
    ['1h1h', 2 * H],
    ['1ns', 0.000001],
    ['1500ns', 0.0015],
    ['1us', 0.001],
    ['1µs', 0.001],
    ['1μs', 0.001],
    ['2500us', 2.5],
    ['1m0.5s', M + 500],
    ['100000h', 100_000 * H],
  ];
  for (const [text, ms] of valid) {
    it(`parses ${JSON.stringify(text)} as ${ms} ms`, () => {
      assert.deepEqual(parseGoDuration(text), { ok: true, ms });
    });
  }

  const invalid: [string, RegExp][] = [
    ['', /empty/],
    ['1', /missing unit/],
    ['3600', /missing unit.*"3600s"/],
    ['1.5', /missing unit/],
    ['-', /empty/],
    ['h', /number before the unit/],
    ['.s', /number before the unit/],
    ['1x', /unknown unit "x"/],
    ['1H', /unknown unit "H"/],
    ['1d', /unknown unit "d"/],
    ['1h 30m', /unknown unit "h "/],
    ['1h30', /number followed by a unit/],
    ['abc', /unknown unit|number/],
    ['9999999999h', /too large/],
  ];
  for (const [text, reason] of invalid) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      const r = parseGoDuration(text);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.reason, reason);
    });
  }

  it('formats milliseconds like Go prints durations', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(168 * H), '168h0m0s');
    assert.equal(formatDuration(H + 30 * M), '1h30m0s');
    assert.equal(formatDuration(1500), '1.5s');
    assert.equal(formatDuration(300), '300ms');
    assert.equal(formatDuration(0.001), '1µs');
    assert.equal(formatDuration(-90 * S), '-1m30s');
  });

  it('applies to duration options from every source', () => {
    assert.equal(loadOk([...VALID_ARGS, '--cookie-expire=1h30m']).config.cookieExpire, H + 30 * M);
    assert.equal(loadOk(VALID_ARGS, { OAUTH2_PROXY_COOKIE_EXPIRE: '2h' }).config.cookieExpire, 2 * H);
    assert.equal(loadOk([...VALID_ARGS, '--upstream-timeout', '1.5s']).config.upstreamTimeout, 1500);
  });

  it('asks for a unit when a bare number is given', () => {
    const errors = loadErrors([...VALID_ARGS, '--cookie-expire=3600']);
    assertHasError(errors, 'cookie-expire', /missing unit/);
    const fromEnv = loadConfig([...VALID_ARGS], { OAUTH2_PROXY_COOKIE_REFRESH: '60' });
    assert.equal(fromEnv.ok, false);
    if (!fromEnv.ok) assertHasError(fromEnv.errors, 'cookie-refresh', /missing unit.*OAUTH2_PROXY_COOKIE_REFRESH/);
  });
});
