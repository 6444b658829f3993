// Two proxy replicas sharing one Redis, in front of one IdP and one echo upstream: what a deployment
// with a sidecar per pod looks like. The client's cookie jar is per host:port, so moving a user
// between replicas is an explicit copy of the session cookie.
import { startEchoUpstream, type EchoUpstream } from './echo-upstream.js';
import { createClient, signIn, type ClientResponse, type HttpClient } from './http-client.js';
import { DEMO_PASSWORD, startTestIdp, type DevIdp, type TestIdpOverrides } from './idp.js';
import { freePort } from './ports.js';
import { baseArgs, startProxy, TEST_COOKIE_SECRET, type RunningProxy } from './proxy.js';

export const COOKIE = '_oauth2_proxy';

export interface TwinStack {
  idp: DevIdp;
  echo: EchoUpstream;
  a: RunningProxy;
  b: RunningProxy;
  cookieSecret: string;
  /** Signs `username` in through `proxy`; resolves the session cookie value. */
  signIn(client: HttpClient, proxy: RunningProxy, username: string): Promise<string>;
  /** GET `path` on `proxy` carrying exactly this session cookie. */
  get(proxy: RunningProxy, cookie: string | undefined, path?: string, headers?: Record<string, string>): Promise<ClientResponse>;
  close(): Promise<void>;
}

export interface TwinOptions {
  /** Flags both replicas share (the redis ones among them). */
  args: string[];
  idp?: TestIdpOverrides | ((ports: { a: number; b: number }) => TestIdpOverrides);
}

export async function startTwinStack(opts: TwinOptions): Promise<TwinStack> {
  const ports = { a: await freePort(), b: await freePort() };
  const idp = await startTestIdp(typeof opts.idp === 'function' ? opts.idp(ports) : (opts.idp ?? {}));
  const echo = await startEchoUpstream();
  const started: RunningProxy[] = [];
  try {
    const args = baseArgs({ issuer: idp.issuer, upstream: echo.url, extra: opts.args });
    started.push(await startProxy(args, {}, ports.a));
    started.push(await startProxy(args, {}, ports.b));
  } catch (err) {
    for (const p of started) await p.close();
    await echo.close();
    await idp.close();
    throw err;
  }
  const [a, b] = started as [RunningProxy, RunningProxy];
  const anon = createClient();
  return {
    idp, echo, a, b,
    cookieSecret: TEST_COOKIE_SECRET,
    async signIn(client, proxy, username) {
      const { response } = await signIn(client, { startUrl: `${proxy.url}/oauth2/start?rd=%2F`, username, password: DEMO_PASSWORD });
      if (response.status !== 302) throw new Error(`sign-in ended with ${response.status}`);
      const value = client.cookies.get(`127.0.0.1:${proxy.port}`)?.get(COOKIE);
      if (!value) throw new Error('no session cookie after sign-in');
      return value;
    },
    get(proxy, cookie, path = '/', headers = {}) {
      return anon.request(`${proxy.url}${path}`, { headers: { ...headers, ...(cookie ? { cookie: `${COOKIE}=${cookie}` } : {}) } });
    },
    async close() {
      for (const p of started) await p.close();
      await echo.close();
      await idp.close();
    },
  };
}
