// The redis flags' rules (oauth2-proxy's: sentinel and cluster exclusive, required companions,
// URLs that parse) and the ticket format, as tables.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRedisUrl, redisOptionProblems, redisOptionsOf } from '../../src/session/redis-options.js';
import { decodeTicket, encodeTicket, mintTicket, openWithTicket, sealWithTicket } from '../../src/session/ticket.js';
import { redisFields } from './store-contract.js';

describe('redis URLs', () => {
  const good: Array<[string, ReturnType<typeof parseRedisUrl>]> = [
    ['redis://127.0.0.1:6379', { host: '127.0.0.1', port: 6379, db: 0, tls: false }],
    ['redis://cache', { host: 'cache', port: 6379, db: 0, tls: false }],
    ['rediss://u:p%40ss@cache:6380/3', { host: 'cache', port: 6380, db: 3, tls: true, username: 'u', password: 'p@ss' }],
    ['redis://:secret@[::1]:7000', { host: '::1', port: 7000, db: 0, tls: false, password: 'secret' }],
  ];
  for (const [url, expected] of good) it(`parses ${url}`, () => assert.deepEqual(parseRedisUrl(url), expected));

  const bad: Array<[string, RegExp]> = [
    ['cache:6379', /scheme/],
    ['http://cache:6379', /scheme "http:\/\/"/],
    ['redis://', /not a valid URL|no host/],
    ['redis://cache/db', /database path/],
    ['redis://cache?x=1', /query/],
    ['not a url', /not a valid URL/],
  ];
  for (const [url, message] of bad) it(`refuses ${url}`, () => assert.throws(() => parseRedisUrl(url), message));

  it('never repeats a password in its messages', () => {
    assert.throws(() => parseRedisUrl('http://u:hunter2@cache'), (err: Error) => !err.message.includes('hunter2'));
  });
});

describe('redis flag rules', () => {
  const cases: Array<[string, Parameters<typeof redisFields>[0], string[]]> = [
    ['standalone needs a URL', {}, ['redis-connection-url']],
    ['a standalone URL must parse', { redisConnectionUrl: 'http://x' }, ['redis-connection-url']],
    ['a valid standalone URL', { redisConnectionUrl: 'redis://x:1' }, []],
    ['sentinel and cluster are exclusive', { redisUseSentinel: true, redisUseCluster: true }, ['redis-use-sentinel']],
    ['sentinel needs a master name and sentinel URLs', { redisUseSentinel: true }, ['redis-sentinel-master-name', 'redis-sentinel-connection-urls']],
    ['sentinel URLs must parse', { redisUseSentinel: true, redisSentinelMasterName: 'm', redisSentinelConnectionUrls: ['redis://a:1', 'b:2'] }, ['redis-sentinel-connection-urls']],
    ['a valid sentinel set', { redisUseSentinel: true, redisSentinelMasterName: 'm', redisSentinelConnectionUrls: ['redis://a:1'] }, []],
    ['cluster needs node URLs', { redisUseCluster: true }, ['redis-cluster-connection-urls']],
    ['a valid cluster', { redisUseCluster: true, redisClusterConnectionUrls: ['redis://a:1', 'redis://b:2'] }, []],
    ['the idle timeout is not negative', { redisConnectionUrl: 'redis://x', redisConnectionIdleTimeout: -1 }, ['redis-connection-idle-timeout']],
  ];
  for (const [what, fields, flags] of cases) {
    it(what, () => assert.deepEqual(redisOptionProblems(redisOptionsOf(redisFields(fields))).map(([f]) => f), flags));
  }
});

describe('tickets', () => {
  it('round-trips in oauth2-proxy\'s v2 format and refuses anything else', () => {
    const t = mintTicket('_oauth2_proxy');
    const text = encodeTicket(t);
    assert.match(text, /^v2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(decodeTicket('_oauth2_proxy', text), t);
    assert.equal(decodeTicket('other', text), undefined, 'bound to the cookie name');
    const id = (s: string) => Buffer.from(s).toString('base64url');
    const secret = t.secret.toString('base64url');
    for (const bad of [
      `v1.${id(t.id)}.${secret}`,
      `v2.${id('_oauth2_proxy-*')}.${secret}`,
      `v2.${id('some-other-redis-key')}.${secret}`,
      `v2.${id(t.id)}.${Buffer.alloc(8).toString('base64url')}`,
      `v2.${id(t.id)}`,
      `v2.${id(t.id)}.${secret}.x`,
      `v2.${id(t.id)}.${secret}+`,
    ]) assert.equal(decodeTicket('_oauth2_proxy', bad), undefined, bad);
  });

  it('seals a value that only its own ticket opens', () => {
    const t = mintTicket('_oauth2_proxy');
    const sealed = sealWithTicket(t, Buffer.from('hello'));
    assert.equal(openWithTicket(t, sealed)?.toString(), 'hello');
    assert.equal(openWithTicket(mintTicket('_oauth2_proxy'), sealed), undefined);
    assert.equal(openWithTicket({ ...t, id: mintTicket('_oauth2_proxy').id }, sealed), undefined, 'bound to its key');
    const flipped = Buffer.from(sealed);
    flipped[14] = (flipped[14] ?? 0) ^ 1;
    assert.equal(openWithTicket(t, flipped), undefined);
  });
});
