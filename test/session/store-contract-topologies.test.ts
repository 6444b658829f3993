// The session-store contract against Redis Sentinel (a primary, a replica, three sentinels) and
// Redis Cluster (three primaries), the topologies a deployment with many replicas runs.
import { after, before, describe } from 'node:test';
import type { RedisSessionStore } from '../../src/session/redis-store.js';
import { startRedisCluster, startSentinelSet, type RedisCluster, type SentinelSet } from '../support/redis.js';
import { redisStore, storeContract, type Clock } from './store-contract.js';

describe('redis store, Sentinel', () => {
  const clock: Clock = { now: Date.now() };
  let set: SentinelSet;
  let store: RedisSessionStore;
  before(async () => {
    set = await startSentinelSet();
    store = await redisStore({ redisUseSentinel: true, redisSentinelMasterName: set.masterName, redisSentinelConnectionUrls: set.sentinelUrls }, clock);
  });
  after(async () => {
    await store?.close();
    await set?.stop();
  });
  storeContract(() => ({ name: 'sentinel', store: () => store, clock }));
});

describe('redis store, Cluster', () => {
  const clock: Clock = { now: Date.now() };
  let cluster: RedisCluster;
  let store: RedisSessionStore;
  before(async () => {
    cluster = await startRedisCluster();
    store = await redisStore({ redisUseCluster: true, redisClusterConnectionUrls: cluster.urls }, clock);
  });
  after(async () => {
    await store?.close();
    await cluster?.stop();
  });
  storeContract(() => ({ name: 'cluster', store: () => store, clock }));
});
