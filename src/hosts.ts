// Host-based routing (an oauth2-sidecar extension): one App per host entry, each built from that
// host's Config (its upstreams and session cookie), and one for every other host, behind the same
// App interface, so the listeners, reload and shutdown treat it as any App. The host is read the way
// RequestScope reads it: X-Forwarded-Host counts only from a peer --reverse-proxy trusts.
// Each host's App builds its own session store connection and upstream pools (a cost paid once per
// host entry, at start-up and on reload); the providers and the open-websocket registry are shared.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createApp, type App, type AppOptions } from './app.js';
import type { HostConfigs } from './config/hosts.js';
import type { Config } from './config/index.js';
import { requestHost } from './http/scope.js';
import { createTrust, normaliseIp } from './http/trust.js';
import { createHostMatcher } from './upstream/hosts.js';

export function createHostApps(config: Config, hosts: HostConfigs, opts: AppOptions, build: (c: Config, o: AppOptions) => App = createApp): App {
  const built: App[] = [];
  let fallback: App;
  const entries: Array<[string, App]> = [];
  // Providers and the registry of open websockets are built by the first App and reused by the rest.
  const shared: AppOptions = { ...opts, shared: opts.shared ?? {} };
  try {
    fallback = build(hosts.fallback, shared);
    built.push(fallback);
    for (const h of hosts.hosts) {
      const app = build(h.config, shared);
      built.push(app);
      for (const p of h.patterns) entries.push([p, app]);
    }
  } catch (err) {
    for (const a of built) void a.close().catch(() => {});
    throw err;
  }
  const matcher = createHostMatcher(entries, fallback);
  const trust = createTrust(config);
  const pick = (req: IncomingMessage): App => matcher.pick(requestHost(req, trust.trusts(normaliseIp(req.socket.remoteAddress))));

  return {
    handleRequest(req: IncomingMessage, res: ServerResponse) {
      pick(req).handleRequest(req, res);
    },
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      pick(req).handleUpgrade(req, socket, head);
    },
    init: async () => { await Promise.all(built.map((a) => a.init())); },
    checkSessionStore: async () => { await Promise.all(built.map((a) => a.checkSessionStore())); },
    close: async () => { await Promise.all(built.map((a) => a.close())); },
  };
}
