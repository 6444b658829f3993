// Apache httpd 2.4 with mod_auth_openidc as the OIDC relying party, proxying to the upstream.
import { writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { start } from '../lib/procs.js';
import type { Target } from '../lib/target.js';
import { BENCH_CLIENT_ID, BENCH_CLIENT_SECRET } from '../lib/idp.js';
import { freePort } from '../../test/support/ports.js';
import { makeTempDir, waitForPort, stopAndClean } from './util.js';
import { signInOrStop } from '../lib/signin.js';

export const APACHE = '/usr/sbin/apache2';
const MODULES = '/usr/lib/apache2/modules';

export type ApacheSessionType = 'server-cache' | 'client-cookie';

export interface ApachePeer extends Target {
  port: number;
}

/** Starts Apache and signs in through mod_auth_openidc's real flow; `headers` carries the session cookie. */
export async function startApache(opts: { issuer: string; upstreamUrl: string; sessionType: ApacheSessionType }): Promise<ApachePeer> {
  const port = await freePort();
  const dir = makeTempDir(`apache-${opts.sessionType}`);
  const origin = `http://127.0.0.1:${port}`;
  const upstream = opts.upstreamUrl.endsWith('/') ? opts.upstreamUrl : `${opts.upstreamUrl}/`;
  const session = opts.sessionType === 'server-cache'
    ? `OIDCSessionType server-cache
OIDCCacheType shm`
    : 'OIDCSessionType client-cookie';
  // mpm_event with its compiled-in thread and process defaults: the peer as shipped.
  // MaxKeepAliveRequests 0 (no limit), as keepalive_requests is raised on the nginx rows: with the
  // default of 100 wrk reconnects every 100 requests and the row would pay for connection setup.
  // Inactivity timeout and max duration are raised to a day because wrk replays one fixed cookie:
  // with the 5-minute default the session would lapse between sign-in and a later run.
  const conf = `ServerRoot ${dir}
ServerName 127.0.0.1
Listen 127.0.0.1:${port}
PidFile ${dir}/httpd.pid
DefaultRuntimeDir ${dir}
Mutex file:${dir} default
User nobody
Group nogroup
ErrorLog ${dir}/error.log
LogLevel warn
MaxKeepAliveRequests 0

LoadModule mpm_event_module ${MODULES}/mod_mpm_event.so
LoadModule authn_core_module ${MODULES}/mod_authn_core.so
LoadModule authz_core_module ${MODULES}/mod_authz_core.so
LoadModule authz_user_module ${MODULES}/mod_authz_user.so
LoadModule proxy_module ${MODULES}/mod_proxy.so
LoadModule proxy_http_module ${MODULES}/mod_proxy_http.so
LoadModule auth_openidc_module ${MODULES}/mod_auth_openidc.so

OIDCProviderMetadataURL ${opts.issuer.replace(/\/$/, '')}/.well-known/openid-configuration
OIDCClientID ${BENCH_CLIENT_ID}
OIDCClientSecret ${BENCH_CLIENT_SECRET}
OIDCRedirectURI ${origin}/redirect_uri
OIDCCryptoPassphrase ${randomBytes(24).toString('hex')}
OIDCSSLValidateServer Off
OIDCScope "openid email profile"
${session}
OIDCSessionInactivityTimeout 86400
OIDCSessionMaxDuration 86400

ProxyPass /redirect_uri !
ProxyPass / ${upstream}

<Location />
  AuthType openid-connect
  Require valid-user
</Location>
`;
  const confPath = join(dir, 'httpd.conf');
  writeFileSync(confPath, conf);
  // -DFOREGROUND keeps the parent as the process we started, with its children in its group.
  const proc = await start(APACHE, ['-d', dir, '-f', confPath, '-DFOREGROUND']);
  const stop = stopAndClean(proc, dir);
  try {
    await waitForPort(proc, port, `apache (${opts.sessionType})`);
  } catch (err) {
    await stop();
    throw err;
  }
  const url = `${origin}/`;
  const cookie = await signInOrStop(url, stop);
  return {
    port,
    label: `Apache 2.4 + mod_auth_openidc, ${opts.sessionType} sessions`,
    key: `apache-${opts.sessionType}`,
    url,
    headers: { Cookie: cookie },
    pids: () => [proc.pid],
    reachesUpstream: true,
    stop,
  };
}
