// The usual integration set-up: a real OpenID Provider, the reflecting echo upstream and the proxy
// in front of it, with cookie-jar clients to drive them.
import { startEchoUpstream, type EchoUpstream } from './echo-upstream.js';
import { createClient, signIn, type ClientResponse, type HttpClient } from './http-client.js';
import { DEMO_PASSWORD, startTestIdp, type DevIdp, type DevUser } from './idp.js';
import { freePort } from './ports.js';
import { baseArgs, startProxy, TEST_COOKIE_SECRET, type RunningProxy } from './proxy.js';

export interface StackOptions {
  /** Extra proxy flags. */
  args?: string[];
  /** Users of the test IdP (default: its demo users alice and bob). */
  users?: Record<string, DevUser>;
  /** Replace the upstream (e.g. a port nobody listens on). */
  upstream?: string;
  /** When true, `args` carries its own --email-domain and the default `*` is left out. */
  emailDomainsOverride?: boolean;
}

export interface Stack {
  idp: DevIdp;
  echo: EchoUpstream;
  proxy: RunningProxy;
  cookieSecret: string;
  /** A client with no cookies, shared by tests that never sign in. */
  anonymous: HttpClient;
  newClient(): HttpClient;
  /** Signs `username` in through the proxy, starting at `path` (a protected path). */
  signIn(client: HttpClient, username: string, path?: string): Promise<{ response: ClientResponse; visited: string[]; setCookies: string[] }>;
  close(): Promise<void>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const port = await freePort();
  const idp = await startTestIdp(opts.users ? { users: opts.users } : {});
  const echo = await startEchoUpstream();
  let proxy: RunningProxy;
  try {
    const args = baseArgs({ issuer: idp.issuer, upstream: opts.upstream ?? echo.url, extra: opts.args });
    proxy = await startProxy(opts.emailDomainsOverride ? args.filter((a) => a !== '--email-domain=*') : args, {}, port);
  } catch (err) {
    await idp.close();
    await echo.close();
    throw err;
  }
  return {
    idp,
    echo,
    proxy,
    cookieSecret: TEST_COOKIE_SECRET,
    anonymous: createClient(),
    newClient: createClient,
    async signIn(client, username, path = '/') {
      const setCookies: string[] = [];
      const original = client.request.bind(client);
      // Collect every Set-Cookie the proxy sends on the way, for attribute assertions.
      client.request = async (url, init) => {
        const r = await original(url, init);
        if (new URL(url).port === String(port)) setCookies.push(...r.setCookies);
        return r;
      };
      try {
        const { response, visited } = await signIn(client, {
          startUrl: `${proxy.url}/oauth2/start?rd=${encodeURIComponent(path)}`,
          username,
          password: opts.users?.[username]?.password ?? DEMO_PASSWORD,
        });
        // The walk ends at the callback's redirect; follow it to the page itself.
        let final = response;
        if (final.status === 302 && typeof final.headers.location === 'string' && final.headers.location.startsWith('/')) {
          final = await client.request(`${proxy.url}${final.headers.location}`);
        }
        return { response: final, visited, setCookies };
      } finally {
        client.request = original;
      }
    },
    async close() {
      await proxy.close();
      await echo.close();
      await idp.close();
    },
  };
}
