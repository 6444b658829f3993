import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { listen } from '../../src/http/server.js';
import { silentLog } from '../../src/log.js';
import { startTestIdp } from '../support/idp.js';
import { opsArgs } from './harness.js';

describe('/ready', () => {
  it('is not ready until the provider\'s discovery has succeeded, while /ping already answers', async () => {
    const idp = await startTestIdp();
    const loaded = loadConfig(opsArgs({ issuer: idp.issuer, upstream: 'http://127.0.0.1:9' }), {});
    assert.ok(loaded.ok);
    const app = createApp(loaded.config, { log: silentLog, version: 'test' });
    const server = await listen({ host: '127.0.0.1', port: 0 }, { request: app.handleRequest, upgrade: app.handleUpgrade });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      assert.equal((await fetch(`${base}/ping`)).status, 200);
      const before = await fetch(`${base}/ready`);
      assert.equal(before.status, 500);
      assert.equal(await before.text(), 'error: not ready');
      await app.init();
      assert.equal((await fetch(`${base}/ready`)).status, 200);
    } finally {
      await server.close(1000);
      await app.close();
      await idp.close();
    }
  });
});
