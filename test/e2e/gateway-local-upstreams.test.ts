// static://CODE and file:///dir#/mount/ upstreams: the fixed answer, and files served without ever
// leaving the directory (dot segments in any encoding, dotfiles, symlinks pointing out).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '../support/raw-http.js';
import { startTestIdp, type DevIdp } from '../support/idp.js';
import { baseArgs, startProxy, type RunningProxy } from '../support/proxy.js';

describe('static:// and file:// upstreams', () => {
  let idp: DevIdp;
  let proxy: RunningProxy;
  let base: string;
  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'sidecar-files-'));
    const root = join(base, 'site');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<h1>home</h1>');
    writeFileSync(join(root, 'a.txt'), 'hello');
    writeFileSync(join(root, 'sub', 'b.css'), 'b{}');
    writeFileSync(join(root, '.secret'), 'dotfile');
    writeFileSync(join(base, 'outside.txt'), 'outside');
    symlinkSync(base, join(root, 'up'));
    symlinkSync(join(base, 'outside.txt'), join(root, 'out.txt'));
    symlinkSync(join(root, 'a.txt'), join(root, 'alias.txt'));
    idp = await startTestIdp();
    // The trusted client address lets the test in without signing in; the upstreams are the subject.
    proxy = await startProxy([
      ...baseArgs({ issuer: idp.issuer, upstream: 'static://202' }),
      `--upstream=file://${root}#/files/`,
      '--trusted-ip=127.0.0.1',
    ]);
  });
  after(async () => {
    await proxy?.close();
    await idp?.close();
    rmSync(base, { recursive: true, force: true });
  });

  const get = (path: string, method = 'GET') => rawRequest(proxy.port, { path, method });

  it('answers static://202 on every other path with "Authenticated"', async () => {
    for (const path of ['/', '/anything/at/all?x=1']) {
      const r = await get(path);
      assert.equal(r.status, 202);
      assert.equal(r.body, 'Authenticated');
    }
  });

  it('serves files, directory indexes and symlinks that stay inside', async () => {
    const a = await get('/files/a.txt');
    assert.equal(a.status, 200);
    assert.equal(a.body, 'hello');
    assert.match(String(a.headers['content-type']), /^text\/plain/);
    assert.equal((await get('/files/')).body, '<h1>home</h1>');
    assert.equal((await get('/files/sub/b.css')).headers['content-type'], 'text/css; charset=utf-8');
    assert.equal((await get('/files/alias.txt')).body, 'hello');
    assert.equal((await get('/files/%61.txt')).body, 'hello');
    const head = await get('/files/a.txt', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '5');
  });

  it('redirects a directory without its slash', async () => {
    const r = await get('/files/sub?x=1');
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, '/files/sub/?x=1');
  });

  for (const path of [
    '/files/../outside.txt', '/files/%2e%2e/outside.txt', '/files/..%2Foutside.txt', '/files/%2E%2E%5Coutside.txt',
    '/files/sub/../../outside.txt', '/files/.secret', '/files/%2esecret', '/files/up/outside.txt', '/files/out.txt',
    '/files/a.txt%00', '/files/%zz', '/files/missing.txt', '/files/sub/..;/a.txt',
  ]) {
    it(`refuses ${path} with 404`, async () => {
      const r = await get(path);
      assert.equal(r.status, 404, `${path} → ${r.status} ${r.body.slice(0, 40)}`);
      assert.ok(!r.body.includes('outside') && !r.body.includes('dotfile'));
    });
  }

  it('serves GET and HEAD only', async () => {
    assert.equal((await get('/files/a.txt', 'POST')).status, 405);
    assert.equal((await get('/files/a.txt', 'DELETE')).status, 405);
  });
});
