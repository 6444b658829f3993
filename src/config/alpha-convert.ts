// --convert-config-to-alpha: the legacy options that the alpha format covers, written as alpha
// YAML (upstreams, injected headers, server, metricsServer, providers). Loading the output with
// --alpha-config, next to the remaining options, gives the same effective configuration.
import { stringify } from 'yaml';
import { LOGIN_PARAMETERS, PROVIDER_KEYS } from './alpha-schema.js';
import { extraProviderConfigs } from './extra-providers.js';
import { formatDuration } from './duration.js';
import { fieldName, optionByName, type OptionSpec } from './options.js';
import type { Config, OptionValue } from './types.js';
import { defaultValue, sameValue } from './values.js';

type Obj = Record<string, unknown>;

function valueOf(config: Config, name: string): { spec: OptionSpec; value: OptionValue } {
  const spec = optionByName(name) as OptionSpec;
  return { spec, value: (config as unknown as Record<string, OptionValue>)[fieldName(spec)] as OptionValue };
}

function claim(name: string, claimName: string, prefix = '', basicAuthPassword?: string): Obj {
  const source: Obj = { claim: claimName };
  if (prefix) source.prefix = prefix;
  if (basicAuthPassword !== undefined) source.basicAuthPassword = { value: Buffer.from(basicAuthPassword, 'utf8').toString('base64') };
  return { name, values: [{ claimSource: source }] };
}

function upstreamOf(uri: string, config: Config): Obj {
  const settings: Obj = {
    flushInterval: formatDuration(config.flushInterval),
    passHostHeader: config.passHostHeader,
    proxyWebSockets: config.proxyWebsockets,
    timeout: formatDuration(config.upstreamTimeout),
  };
  if (config.sslUpstreamInsecureSkipVerify) settings.insecureSkipTLSVerify = true;
  const stat = /^static:\/\/(\d*)/i.exec(uri);
  if (stat) return { id: '/', path: '/', static: true, staticCode: Number(stat[1] || 200) };
  if (/^file:\/\//i.test(uri)) {
    const hash = uri.indexOf('#');
    const path = hash === -1 ? '/' : uri.slice(hash + 1) || '/';
    return { id: path, path, uri: hash === -1 ? uri : uri.slice(0, hash) };
  }
  const path = new URL(uri).pathname || '/';
  return { id: path, path, uri, ...settings };
}

export function toAlphaConfig(config: Config): Obj {
  const doc: Obj = {};
  doc.upstreamConfig = { upstreams: config.upstreams.map((u) => upstreamOf(u, config)) };

  const who = config.preferEmailToUser ? 'email' : 'user';
  const req: Obj[] = [];
  if (config.passAuthorizationHeader) req.push(claim('Authorization', 'id_token', 'Bearer '));
  else if (config.passBasicAuth && config.basicAuthPassword !== '') req.push(claim('Authorization', who, '', config.basicAuthPassword));
  if (config.passUserHeaders || config.passBasicAuth) {
    if (config.preferEmailToUser) req.push(claim('X-Forwarded-User', 'email'));
    else req.push(claim('X-Forwarded-User', 'user'), claim('X-Forwarded-Email', 'email'));
    req.push(claim('X-Forwarded-Preferred-Username', 'preferred_username'), claim('X-Forwarded-Groups', 'groups'));
  }
  if (config.passAccessToken) req.push(claim('X-Forwarded-Access-Token', 'access_token'));
  const xAuth = [claim('X-Auth-Request-User', 'user'), claim('X-Auth-Request-Email', 'email'), claim('X-Auth-Request-Preferred-Username', 'preferred_username'), claim('X-Auth-Request-Groups', 'groups')];
  // oauth2-sidecar also sends the X-Auth-Request-* headers upstream with --set-xauthrequest.
  if (config.setXauthrequest) req.push(...xAuth);
  const res: Obj[] = [];
  if (config.setXauthrequest) {
    res.push(...xAuth);
    if (config.passAccessToken) res.push(claim('X-Auth-Request-Access-Token', 'access_token'));
  }
  if (config.setAuthorizationHeader) res.push(claim('Authorization', 'id_token', 'Bearer '));
  else if (config.setBasicAuth) res.push(claim('Authorization', who, '', config.basicAuthPassword));
  doc.injectRequestHeaders = req;
  doc.injectResponseHeaders = res;

  const server: Obj = {};
  if (config.tlsCertFile !== '' && config.tlsKeyFile !== '') {
    server.bindAddress = '';
    server.secureBindAddress = config.httpsAddress;
    const tls: Obj = { cert: { fromFile: config.tlsCertFile }, key: { fromFile: config.tlsKeyFile } };
    if (config.tlsMinVersion !== '') tls.minVersion = config.tlsMinVersion;
    if (config.tlsCipherSuites.length > 0) tls.cipherSuites = [...config.tlsCipherSuites];
    server.tls = tls;
  } else {
    server.bindAddress = config.httpAddress;
  }
  doc.server = server;
  if (config.metricsAddress !== '' || config.metricsSecureAddress !== '') {
    const m: Obj = {};
    if (config.metricsAddress !== '') m.bindAddress = config.metricsAddress;
    if (config.metricsSecureAddress !== '') {
      m.secureBindAddress = config.metricsSecureAddress;
      m.tls = { cert: { fromFile: config.metricsTlsCertFile }, key: { fromFile: config.metricsTlsKeyFile } };
    }
    doc.metricsServer = m;
  }

  // Further providers follow the default one as entries of their own.
  doc.providers = [providerEntry(config, `${config.provider}=${config.clientId}`), ...extraProviderConfigs(config).map((c) => providerEntry(c, c.providerId))];
  return doc;
}

function providerEntry(config: Config, id: string): Obj {
  const provider: Obj = { id };
  for (const [path, option] of PROVIDER_KEYS) {
    const { spec, value } = valueOf(config, option);
    if (option !== 'provider' && option !== 'client-id' && sameValue(value, defaultValue(spec))) continue;
    const keys = path.split('.');
    let at = provider;
    for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Obj;
    at[keys[keys.length - 1] as string] = Array.isArray(value) ? [...value] : value;
  }
  const params: Obj[] = [];
  for (const [name, option] of LOGIN_PARAMETERS) {
    const { value } = valueOf(config, option);
    if (typeof value === 'string' && value !== '') params.push({ name, default: [value] });
  }
  if (params.length > 0) provider.loginURLParameters = params;
  return provider;
}

export function toAlphaYaml(config: Config): string {
  return stringify(toAlphaConfig(config), { lineWidth: 0 });
}
