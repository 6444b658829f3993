// htpasswd checks: every hash format, wrong passwords, unknown users (checked against a dummy hash
// of the same kind), throttling per user and per client, the success cache, and reloading.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseHtpasswd } from '../../src/htpasswd/file.js';
import { loadHtpasswd } from '../../src/htpasswd/verify.js';
import { apr1Line, bcryptLine, htpasswdFile, shaLine } from '../support/htpasswd.js';

describe('htpasswd', () => {
  const file = htpasswdFile([
    '# team accounts',
    bcryptLine('ann', 'ann-pw', '$2a$'),
    bcryptLine('ben', 'ben-pw', '$2b$'),
    bcryptLine('cat', 'cat-pw', '$2y$'),
    shaLine('dan', 'dan-pw'),
    apr1Line('eve', 'eve-pw'),
    '',
  ]);
  after(() => file.remove());

  it('accepts every supported hash format', async () => {
    const h = loadHtpasswd({ path: file.path });
    for (const u of ['ann', 'ben', 'cat', 'dan', 'eve']) {
      const r = await h.check(u, `${u}-pw`, '10.0.0.1');
      assert.equal(r.ok, true, u);
    }
  });

  it('refuses wrong passwords, and checks unknown users against a dummy of the usual kind', async () => {
    const h = loadHtpasswd({ path: file.path });
    assert.deepEqual(await h.check('ann', 'nope', '10.0.0.2'), { ok: false, reason: 'invalid', checked: 'bcrypt' });
    assert.deepEqual(await h.check('dan', 'nope', '10.0.0.2'), { ok: false, reason: 'invalid', checked: 'sha' });
    assert.deepEqual(await h.check('eve', 'nope', '10.0.0.2'), { ok: false, reason: 'invalid', checked: 'apr1' });
    // Most entries are bcrypt, so an unknown name costs a bcrypt check, like a wrong password.
    assert.deepEqual(await h.check('nobody', 'ann-pw', '10.0.0.2'), { ok: false, reason: 'invalid', checked: 'bcrypt' });
    assert.deepEqual(await h.check('', '', '10.0.0.2'), { ok: false, reason: 'invalid', checked: 'bcrypt' });
  });

  it('remembers a success, never a failure', async () => {
    const h = loadHtpasswd({ path: file.path });
    assert.deepEqual(await h.check('ben', 'ben-pw', 'c'), { ok: true, cached: false });
    assert.deepEqual(await h.check('ben', 'ben-pw', 'c'), { ok: true, cached: true });
    assert.equal((await h.check('ben', 'ben-pw!', 'c')).ok, false);
  });

  it('throttles failures per user and per client, in a window', async () => {
    let t = 1_000_000;
    const h = loadHtpasswd({ path: file.path, maxFailuresPerUser: 3, maxFailuresPerClient: 5, failureWindowMs: 60_000, now: () => t });
    for (let i = 0; i < 3; i++) assert.equal((await h.check('cat', 'x', `10.1.0.${i}`)).ok, false);
    assert.deepEqual(await h.check('cat', 'cat-pw', '10.1.0.9'), { ok: false, reason: 'rate_limited' }, 'user locked even with the right password');
    assert.equal((await h.check('dan', 'dan-pw', '10.1.0.9')).ok, true, 'other users unaffected');
    for (let i = 0; i < 5; i++) await h.check(`u${i}`, 'x', '10.2.0.1');
    assert.deepEqual(await h.check('ann', 'ann-pw', '10.2.0.1'), { ok: false, reason: 'rate_limited' }, 'client locked');
    t += 60_001;
    assert.equal((await h.check('cat', 'cat-pw', '10.1.0.9')).ok, true, 'window over');
  });

  it('re-reads the file when it changes, and keeps the last good version when the new one is broken', async () => {
    const f = htpasswdFile([shaLine('old', 'old-pw')]);
    try {
      const errors: string[][] = [];
      const h = loadHtpasswd({ path: f.path, reloadCheckMs: 0, onReloadError: (p) => errors.push(p) });
      assert.equal((await h.check('old', 'old-pw', 'c')).ok, true);
      f.write([shaLine('new', 'new-pw'), '# longer file, so the size changes']);
      assert.equal((await h.check('new', 'new-pw', 'c')).ok, true);
      assert.equal((await h.check('old', 'old-pw', 'c')).ok, false, 'cached success dropped with the old file');
      f.write(['new:not-a-hash-at-all', 'broken']);
      assert.equal((await h.check('new', 'new-pw', 'c')).ok, true);
      assert.equal(errors.length, 1);
      assert.ok(!errors[0]!.join(' ').includes('not-a-hash'), 'no hash in messages');
    } finally {
      f.remove();
    }
  });

  it('reports malformed lines by number', () => {
    const p = parseHtpasswd('ok:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\nnocolon\nx:$2x$04$abcdefghijklmnopqrstuuvwxyz0123456789012345678901234\ny:plain');
    assert.equal(p.users.size, 1);
    assert.deepEqual(p.problems.map((m) => m.split(':')[0]), ['line 2', 'line 3 (user "x")', 'line 4 (user "y")']);
  });
});
