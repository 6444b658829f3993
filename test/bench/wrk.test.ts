// The benchmark's reading of wrk's report: units, the optional error lines, and refusal of output
// it cannot read (a changed wrk must not turn into silently wrong figures).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBytes, parseTimeMs, parseWrk, socketErrorTotal } from '../../bench/lib/wrk.js';

const SAMPLE = `Running 10s test @ http://127.0.0.1:4180/
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.21ms    1.02ms   1.20s    91.23%
    Req/Sec     7.85k   412.33     8.61k    70.00%
  Latency Distribution
     50%  950.00us
     75%    3.40ms
     90%    4.10ms
     99%    1.00m
  156234 requests in 10.00s, 35.41MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 17
Requests/sec:  15620.41
Transfer/sec:      3.54MB
`;

describe('wrk output', () => {
  it('reads every figure with its unit', () => {
    const r = parseWrk(SAMPLE);
    assert.equal(r.requests, 156234);
    assert.equal(r.durationS, 10);
    assert.equal(r.rps, 15620.41);
    assert.equal(r.latencyMs.p50, 0.95);
    assert.equal(r.latencyMs.p75, 3.4);
    assert.equal(r.latencyMs.p99, 60_000);
    assert.equal(r.latencyMs.max, 1200);
    assert.deepEqual(r.socketErrors, { connect: 0, read: 3, write: 1, timeout: 2 });
    assert.equal(socketErrorTotal(r), 6);
    assert.equal(r.non2xx3xx, 17);
    assert.equal(r.transferPerSec, 3.54 * 1024 * 1024);
  });

  it('counts no errors when wrk prints no error lines', () => {
    const clean = SAMPLE.replace(/^\s*Socket errors.*\n/m, '').replace(/^\s*Non-2xx.*\n/m, '');
    const r = parseWrk(clean);
    assert.equal(socketErrorTotal(r), 0);
    assert.equal(r.non2xx3xx, 0);
  });

  it('refuses output without the figures it reports', () => {
    assert.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused\n'), /wrk output has no/);
    assert.throws(() => parseTimeMs('3.2 parsecs'));
    assert.throws(() => parseBytes('12 apples'));
  });
});
