// The "sessions ended" channel between processes sharing a Redis store: ticket ids of this store
// only, from a subscriber that waits for its connection rather than failing while offline.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRedisClient } from '../../src/session/redis-connect.js';
import { endedSessions } from '../../src/session/redis-ended.js';
import { redisOptionsOf } from '../../src/session/redis-options.js';
import { startRedis, until, type RedisServer } from '../support/redis.js';
import { redisFields } from './store-contract.js';

const id = (c: string) => `_oauth2_proxy-${c.repeat(32)}`;

describe('ended sessions over Redis pub/sub', () => {
  let redis: RedisServer;
  before(async () => { redis = await startRedis(); });
  after(async () => { await redis?.stop(); });

  it('delivers the ticket ids of this store to a subscriber on another connection, and nothing else', async () => {
    const publisher = createRedisClient(redisOptionsOf(redisFields({ redisConnectionUrl: redis.url })));
    const listening = createRedisClient(redisOptionsOf(redisFields({ redisConnectionUrl: redis.url })));
    await publisher.connect();
    const mine = endedSessions(publisher, '_oauth2_proxy');
    const theirs = endedSessions(listening, '_oauth2_proxy');
    const heard: string[][] = [];
    // Subscribed while its main connection has not even connected: the subscription still happens.
    theirs.subscribe((ids) => heard.push(ids));
    try {
      await until('the subscription to be live', async () => {
        mine.publish([id('0')]);
        return heard.length > 0;
      }, 5_000, 100);
      mine.publish([id('a'), 'not-a-ticket', `_other_cookie-${'b'.repeat(32)}`, id('c')]);
      // A store under another cookie name uses another channel.
      endedSessions(publisher, '_other_cookie').publish([`_other_cookie-${'d'.repeat(32)}`]);
      mine.publish([id('e')]);
      // Probes still in flight may arrive late; they are left out.
      const after = () => heard.filter((ids) => !ids.includes(id('0')));
      await until('both messages', async () => after().length >= 2, 5_000);
      assert.deepEqual(after(), [[id('a'), id('c')], [id('e')]]);
    } finally {
      await theirs.close();
      publisher.disconnect();
      listening.disconnect();
    }
  });
});
