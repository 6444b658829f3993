// The Redis connection flags (oauth2-proxy's names) and their checks, without the client library,
// so configuration validation can use them cheaply.

export interface RedisConnectionOptions {
  connectionUrl: string;
  username: string;
  password: string;
  useSentinel: boolean;
  sentinelMasterName: string;
  sentinelConnectionUrls: readonly string[];
  sentinelPassword: string;
  useCluster: boolean;
  clusterConnectionUrls: readonly string[];
  caPath: string;
  insecureSkipTlsVerify: boolean;
  /** Seconds; > 0 keeps connections from sitting idle longer than this (see createRedisClient). */
  idleTimeoutSeconds: number;
}

export interface RedisAddress {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
}

/** `redis[s]://[user[:password]@]host[:port][/db]`; throws a message naming what is wrong (never the password). */
export function parseRedisUrl(text: string): RedisAddress {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error('is not a valid URL (expected redis://[user:password@]host:port[/db] or rediss://…)');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new Error(`has scheme "${u.protocol}//"; use redis:// or rediss://`);
  }
  if (u.hostname === '') throw new Error('has no host');
  const path = u.pathname.replace(/^\/+/, '');
  if (path !== '' && !/^\d{1,4}$/.test(path)) throw new Error('has a database path that is not a number');
  if (u.search !== '' || u.hash !== '') throw new Error('must not have a query or fragment');
  const addr: RedisAddress = {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port === '' ? 6379 : Number(u.port),
    db: path === '' ? 0 : Number(path),
    tls: u.protocol === 'rediss:',
  };
  if (u.username !== '') addr.username = decodeURIComponent(u.username);
  if (u.password !== '') addr.password = decodeURIComponent(u.password);
  return addr;
}

/** oauth2-proxy's rules for the redis flags: `[flag, problem]` pairs, empty when usable. */
export function redisOptionProblems(o: RedisConnectionOptions): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const urls = (flag: string, list: readonly string[]) => {
    for (const url of list) {
      try {
        parseRedisUrl(url);
      } catch (err) {
        out.push([flag, `an entry ${(err as Error).message}`]);
      }
    }
  };
  if (o.useSentinel && o.useCluster) {
    out.push(['redis-use-sentinel', 'cannot be combined with --redis-use-cluster; choose one']);
  } else if (o.useSentinel) {
    if (o.sentinelMasterName === '') out.push(['redis-sentinel-master-name', 'missing setting (required with --redis-use-sentinel)']);
    if (o.sentinelConnectionUrls.length === 0) out.push(['redis-sentinel-connection-urls', 'missing setting (required with --redis-use-sentinel)']);
    urls('redis-sentinel-connection-urls', o.sentinelConnectionUrls);
  } else if (o.useCluster) {
    if (o.clusterConnectionUrls.length === 0) out.push(['redis-cluster-connection-urls', 'missing setting (required with --redis-use-cluster)']);
    urls('redis-cluster-connection-urls', o.clusterConnectionUrls);
  } else if (o.connectionUrl === '') {
    out.push(['redis-connection-url', 'missing setting (required with --session-store-type=redis unless --redis-use-sentinel or --redis-use-cluster)']);
  } else {
    urls('redis-connection-url', [o.connectionUrl]);
  }
  if (o.idleTimeoutSeconds < 0) out.push(['redis-connection-idle-timeout', `must not be negative (got ${o.idleTimeoutSeconds})`]);
  return out;
}

/** The redis fields of the configuration, by their config names (structurally, so this leaf needs no config import). */
export interface RedisConfigFields {
  redisConnectionUrl: string;
  redisUsername: string;
  redisPassword: string;
  redisUseSentinel: boolean;
  redisSentinelMasterName: string;
  redisSentinelConnectionUrls: readonly string[];
  redisSentinelPassword: string;
  redisUseCluster: boolean;
  redisClusterConnectionUrls: readonly string[];
  redisCaPath: string;
  redisInsecureSkipTlsVerify: boolean;
  redisConnectionIdleTimeout: number;
}

export function redisOptionsOf(c: RedisConfigFields): RedisConnectionOptions {
  return {
    connectionUrl: c.redisConnectionUrl,
    username: c.redisUsername,
    password: c.redisPassword,
    useSentinel: c.redisUseSentinel,
    sentinelMasterName: c.redisSentinelMasterName,
    sentinelConnectionUrls: c.redisSentinelConnectionUrls,
    sentinelPassword: c.redisSentinelPassword,
    useCluster: c.redisUseCluster,
    clusterConnectionUrls: c.redisClusterConnectionUrls,
    caPath: c.redisCaPath,
    insecureSkipTlsVerify: c.redisInsecureSkipTlsVerify,
    idleTimeoutSeconds: c.redisConnectionIdleTimeout,
  };
}

/** The flag a connection failure is reported under. */
export function redisConnectionFlag(o: RedisConnectionOptions): string {
  return o.useCluster ? 'redis-cluster-connection-urls' : o.useSentinel ? 'redis-sentinel-connection-urls' : 'redis-connection-url';
}
