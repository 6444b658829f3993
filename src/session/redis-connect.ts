// Redis connection settings (oauth2-proxy's flags) → one ioredis client, whatever the topology:
// standalone, Sentinel or Cluster. Requests must fail fast during an outage instead of piling up,
// so the offline queue is off, commands have a deadline, and reconnection backs off but never gives
// up, which lets the proxy recover on its own when Redis returns.

import { readFileSync } from 'node:fs';
import { rootCertificates, type ConnectionOptions } from 'node:tls';
import { createRequire } from 'node:module';
import type { Cluster as ClusterClass, ClusterOptions, Redis as RedisClass, RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisAddress, type RedisConnectionOptions } from './redis-options.js';

export type { RedisConnectionOptions } from './redis-options.js';

/** Per command; a hung server must not hold requests for long. */
const COMMAND_TIMEOUT_MS = 2000;
const CONNECT_TIMEOUT_MS = 2000;
const MAX_BACKOFF_MS = 2000;

function tlsOptions(o: RedisConnectionOptions): ConnectionOptions {
  const tls: ConnectionOptions = { rejectUnauthorized: !o.insecureSkipTlsVerify };
  if (o.caPath !== '') {
    let pem: string;
    try {
      pem = readFileSync(o.caPath, 'utf8');
    } catch (err) {
      throw new Error(`--redis-ca-path: cannot read ${JSON.stringify(o.caPath)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    // Added to the system roots, as oauth2-proxy does, rather than replacing them.
    tls.ca = [...rootCertificates, pem];
  }
  return tls;
}

function backoff(times: number): number {
  return Math.min(50 * 2 ** Math.min(times, 10), MAX_BACKOFF_MS) + Math.floor(Math.random() * 50);
}

const COMMON: RedisOptions = {
  protocol: 2,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: COMMAND_TIMEOUT_MS,
  connectTimeout: CONNECT_TIMEOUT_MS,
  retryStrategy: backoff,
  lazyConnect: true,
  // After a failover the old primary answers writes with READONLY until the client moves on.
  reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
};

export type RedisClient = RedisClass | ClusterClass;

// Node reports an untrusted server certificate with OpenSSL's words only ("self-signed certificate
// in certificate chain"), which does not tell an operator which setting decides the trust.
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
]);
const TRUST_HINT = ' (the Redis server certificate is not trusted: give its CA with --redis-ca-path, or skip verification with --redis-insecure-skip-tls-verify)';

function explainTlsErrors(client: RedisClient): RedisClient {
  // Registered before anyone else's listener, so every later listener sees the explained message.
  client.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== undefined && UNTRUSTED_CERTIFICATE.has(err.code) && !err.message.endsWith(TRUST_HINT)) err.message += TRUST_HINT;
  });
  return client;
}

// ioredis costs tens of MiB of memory once loaded; a sidecar with cookie sessions never needs it,
// so it is loaded on the first Redis client only.
let ioredis: { Redis: typeof RedisClass; Cluster: typeof ClusterClass } | undefined;
function loadIoredis(): { Redis: typeof RedisClass; Cluster: typeof ClusterClass } {
  ioredis ??= createRequire(import.meta.url)('ioredis') as { Redis: typeof RedisClass; Cluster: typeof ClusterClass };
  return ioredis;
}

/** Builds the client without connecting (`connect()` starts it). Throws on unreadable CA files. */
export function createRedisClient(o: RedisConnectionOptions): RedisClient {
  const { Redis, Cluster } = loadIoredis();
  const withAuth = (addr: RedisAddress | undefined): RedisOptions => {
    const out: RedisOptions = {};
    const username = o.username || addr?.username;
    const password = o.password || addr?.password;
    if (username) out.username = username;
    if (password) out.password = password;
    if (addr?.tls) out.tls = tlsOptions(o);
    return out;
  };

  if (o.useCluster) {
    const nodes = o.clusterConnectionUrls.map(parseRedisUrl);
    const first = nodes[0];
    const options: ClusterOptions = {
      redisOptions: { ...COMMON, ...withAuth(first) },
      enableOfflineQueue: false,
      lazyConnect: true,
      clusterRetryStrategy: backoff,
      slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
      maxRedirections: 8,
    };
    return explainTlsErrors(new Cluster(nodes.map((n) => ({ host: n.host, port: n.port })), options));
  }
  if (o.useSentinel) {
    const sentinels = o.sentinelConnectionUrls.map(parseRedisUrl);
    const first = sentinels[0];
    const options: RedisOptions = {
      ...COMMON,
      ...withAuth(undefined),
      sentinels: sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: o.sentinelMasterName,
      db: first?.db ?? 0,
      failoverDetector: true,
      sentinelRetryStrategy: backoff,
    };
    if (o.sentinelPassword) options.sentinelPassword = o.sentinelPassword;
    if (first?.tls) {
      options.enableTLSForSentinelMode = true;
      options.sentinelTLS = tlsOptions(o);
      options.tls = tlsOptions(o);
    }
    return explainTlsErrors(new Redis(options));
  }
  const addr = parseRedisUrl(o.connectionUrl);
  return explainTlsErrors(new Redis({ ...COMMON, ...withAuth(addr), host: addr.host, port: addr.port, db: addr.db }));
}
