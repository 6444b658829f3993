import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable, type Duplex } from 'node:stream';
import { describe, it } from 'node:test';
import type { App } from '../src/app.js';
import { hostConfigsOf } from '../src/config/hosts.js';
import type { Config } from '../src/config/index.js';
import { createLog } from '../src/log.js';
import { createHostApps } from '../src/hosts.js';
import { loadOk, VALID_ARGS } from './config/support.js';

/** Apps that only record which configuration answered, and the dispatcher over them. */
function dispatcher(args: string[]) {
  const { config } = loadOk([...VALID_ARGS, '--upstream=http://127.0.0.1:1/', '--upstream=app.example.com=http://127.0.0.1:2/', '--upstream=*.apps.example.com=http://127.0.0.1:3/', ...args]);
  const hosts = hostConfigsOf(config)!;
  const calls: string[] = [];
  const closed: string[] = [];
  const name = (c: Config) => c.upstreams[0]!;
  const app = createHostApps(config, hosts, { log: createLog({ standardLogging: false, authLogging: false, requestLogging: false, destination: new Writable({ write: (_c, _e, done) => done() }) }), version: 'test' }, (c): App => ({
    handleRequest: () => { calls.push(name(c)); },
    handleUpgrade: () => { calls.push(`upgrade ${name(c)}`); },
    init: async () => { calls.push(`init ${name(c)}`); },
    checkSessionStore: async () => {},
    close: async () => { closed.push(name(c)); },
  }));
  const req = (headers: Record<string, string>, peer = '127.0.0.1') => ({ headers, socket: { remoteAddress: peer } }) as unknown as IncomingMessage;
  return { app, calls, closed, req };
}

describe('host dispatcher', () => {
  it('hands each request and upgrade to the App of its host', async () => {
    const { app, calls, closed, req } = dispatcher([]);
    await app.init();
    assert.deepEqual(calls.splice(0).sort(), ['init http://127.0.0.1:1/', 'init http://127.0.0.1:2/', 'init http://127.0.0.1:3/']);
    app.handleRequest(req({ host: 'App.Example.com:8080' }), {} as ServerResponse);
    app.handleRequest(req({ host: 'x.apps.example.com' }), {} as ServerResponse);
    app.handleRequest(req({ host: 'elsewhere.org' }), {} as ServerResponse);
    app.handleRequest(req({}), {} as ServerResponse);
    app.handleUpgrade(req({ host: 'app.example.com' }), {} as Duplex, Buffer.alloc(0));
    assert.deepEqual(calls, ['http://127.0.0.1:2/', 'http://127.0.0.1:3/', 'http://127.0.0.1:1/', 'http://127.0.0.1:1/', 'upgrade http://127.0.0.1:2/']);
    await app.close();
    assert.equal(closed.length, 3);
  });

  it('routes on X-Forwarded-Host only from a peer --reverse-proxy trusts', () => {
    const plain = dispatcher([]);
    plain.app.handleRequest(plain.req({ host: 'elsewhere.org', 'x-forwarded-host': 'app.example.com' }), {} as ServerResponse);
    assert.deepEqual(plain.calls, ['http://127.0.0.1:1/']);

    const trusted = dispatcher(['--reverse-proxy', '--trusted-proxy-ip=10.0.0.0/8']);
    trusted.app.handleRequest(trusted.req({ host: 'elsewhere.org', 'x-forwarded-host': 'app.example.com' }, '10.1.2.3'), {} as ServerResponse);
    trusted.app.handleRequest(trusted.req({ host: 'elsewhere.org', 'x-forwarded-host': 'app.example.com' }, '192.0.2.1'), {} as ServerResponse);
    assert.deepEqual(trusted.calls, ['http://127.0.0.1:2/', 'http://127.0.0.1:1/']);
  });
});
