// Signs in to a target through its real login flow (redirects, the IdP's form, the callback) and
// returns the Cookie header wrk should replay, after checking that it really opens the upstream.
import { createClient, signIn, type HttpClient } from '../../test/support/http-client.js';
import { BENCH_USER, BENCH_PASSWORD } from './idp.js';
import { UPSTREAM_BODY } from '../peers/upstream.js';

export interface SignInForCookieOptions {
  username?: string;
  password?: string;
  /** What an authenticated GET of startUrl must answer with; default the bench upstream's body. */
  expectBody?: string;
  /** Where the walk ends, as in signIn(); default: back at startUrl's origin after the IdP. */
  stopAt?: string | URL | ((url: URL) => boolean);
}

export async function signInForCookie(startUrl: string, opts: SignInForCookieOptions = {}): Promise<string> {
  const client = browserLike(createClient());
  const walk = await signIn(client, {
    startUrl,
    username: opts.username ?? BENCH_USER,
    password: opts.password ?? BENCH_PASSWORD,
    stopAt: opts.stopAt,
  });
  const cookie = client.cookieHeader(startUrl);
  const trail = `visited:\n  ${walk.visited.join('\n  ')}`;
  if (cookie === '') {
    throw new Error(`signInForCookie: no cookies for ${startUrl} after signing in (last HTTP ${walk.response.status}); ${trail}`);
  }
  // A fresh client with the header set explicitly sends exactly what wrk will send.
  const check = await createClient().request(startUrl, { headers: { cookie } });
  const expected = opts.expectBody ?? UPSTREAM_BODY;
  if (check.status !== 200 || check.body !== expected) {
    throw new Error(
      `signInForCookie: GET ${startUrl} with the session cookie gave HTTP ${check.status}, ` +
      `${check.body === expected ? 'the expected body' : `body ${JSON.stringify(check.body.slice(0, 200))}`}; ` +
      `cookie names: ${cookie.split('; ').map((c) => c.split('=')[0]).join(', ')}; ${trail}`,
    );
  }
  return cookie;
}

/**
 * Sends the Accept header a browser navigation carries. mod_auth_openidc only redirects requests
 * that look like they come from a browser and answers others (no Accept: text/html) with 401.
 */
function browserLike(client: HttpClient): HttpClient {
  return {
    ...client,
    request: (url, init = {}) => {
      const headers = { ...(init.headers ?? {}) };
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'accept')) {
        headers.accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
      }
      return client.request(url, { ...init, headers });
    },
  };
}

/** Signs in, or stops what was started for the target before passing the failure on. */
export async function signInOrStop(startUrl: string, stop: () => Promise<void>): Promise<string> {
  try {
    return await signInForCookie(startUrl);
  } catch (err) {
    await stop();
    throw err;
  }
}

