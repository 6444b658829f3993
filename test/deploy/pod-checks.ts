// What every language's pod must show from outside: the sidecar answers on the pod IP, the app's
// port cannot be reached, a sign-in reaches the app, which greets the user, and identity headers a
// client writes never reach the app.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createClient, header, signIn } from '../support/http-client.js';
import { DEMO_PASSWORD } from '../support/idp.js';
import type { RunningPod } from './pod.js';

function tcpConnect(host: string, port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 5000 });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('timeout', () => {
      s.destroy();
      resolve('timeout');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

export async function checkPod(pod: RunningPod, greeting: RegExp): Promise<void> {
  const client = createClient();
  assert.equal((await client.request(`${pod.url}/ping`)).status, 200, 'the sidecar answers on the pod IP, port 4180');
  assert.equal(await tcpConnect(pod.ns.podIp, 8080), 'ECONNREFUSED', "the app's port 8080 cannot be reached from outside the pod");

  const anonymous = await createClient().request(`${pod.url}/`, { headers: { accept: 'text/html', 'x-forwarded-user': 'admin', 'x-auth-request-user': 'admin' } });
  assert.equal(anonymous.status, 302, 'no session: off to the identity provider, not to the app');
  assert.ok(header(anonymous, 'location')!.startsWith(pod.idp.issuer));

  const { response } = await signIn(client, { startUrl: `${pod.url}/oauth2/start?rd=%2F`, username: 'alice', password: DEMO_PASSWORD });
  assert.equal(response.status, 302, response.body);
  assert.equal(header(response, 'location'), '/');
  const page = await client.request(`${pod.url}/`, { headers: { 'x-auth-request-user': 'mallory', 'X_Forwarded_User': 'mallory' } });
  assert.equal(page.status, 200, page.body);
  assert.match(page.body, greeting);
  assert.doesNotMatch(page.body, /mallory/, 'a client-written identity header never reaches the app');
}
