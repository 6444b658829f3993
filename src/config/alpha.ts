// --alpha-config: oauth2-proxy's YAML configuration, with its real top-level keys (upstreamConfig,
// injectRequestHeaders, injectResponseHeaders, server, metricsServer, providers) and ${ENV}
// substitution. Keys with a legacy equivalent become option values, so validation and everything
// downstream stay the same; upstreams (with per-upstream settings) and injected headers are kept as
// structures and reach the components through alphaExtrasOf(config).
//
// Beyond oauth2-proxy, any other option may be given in the same file under its TOML key
// (cookie_secret, email_domains, session_store_type, ...), so one file can hold everything.
// Unknown keys are errors, as in oauth2-proxy, so a misspelt setting never falls back silently.
import { createRequire } from 'node:module';
import { readOptionFile } from './read-file.js';
import { LOGIN_PARAMETERS, PROVIDER_KEYS, REPLACED_BY_ALPHA, UPSTREAM_SETTINGS } from './alpha-schema.js';
import { parseGoDuration } from './duration.js';
import { optionByKey, optionByName, type OptionSpec } from './options.js';
import { readHosts } from './alpha-hosts.js';
import type { AlphaExtras, AlphaHeader, AlphaHeaderValue, AlphaUpstream } from './alpha-types.js';
import type { Config, OptionValue } from './types.js';

export { alphaExtrasOf, attachAlphaExtras } from './alpha-types.js';
export type { AlphaExtras, AlphaHeader, AlphaHeaderValue, AlphaHost, AlphaUpstream, ExtraProviderSpec, HostCookie } from './alpha-types.js';

export const HEADER_CLAIMS = ['access_token', 'id_token', 'created_at', 'expires_on', 'refresh_token', 'email', 'user', 'groups', 'preferred_username'] as const;

export interface AlphaRead {
  values: Map<OptionSpec, OptionValue>;
  extras: AlphaExtras;
  errors: string[];
  unusable: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** envsubst: ${NAME} and $NAME are replaced by the variable's value, empty when unset. */
export function substituteEnv(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, b: string | undefined) => env[(a ?? b) as string] ?? '');
}

export function readAlphaConfig(path: string, env: Readonly<Record<string, string | undefined>>): AlphaRead {
  const values = new Map<OptionSpec, OptionValue>();
  const out: AlphaExtras = { upstreams: [], requestHeaders: [], responseHeaders: [] };
  const errors: string[] = [];
  const fail = (where: string, reason: string) => errors.push(`--alpha-config: ${path}: ${where}: ${reason}`);

  const read = readOptionFile(path);
  if ('why' in read) return { values, extras: out, errors: [`--alpha-config: cannot read ${JSON.stringify(path)}: ${read.why}`], unusable: true };
  let doc: unknown;
  // The YAML parser is loaded only when an alpha config is given (its CommonJS build, synchronously:
  // configuration loading is synchronous), so the usual proxy keeps none of it in memory.
  const { parse, YAMLParseError } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  try {
    doc = parse(substituteEnv(read.text, env), { uniqueKeys: true });
  } catch (err) {
    // Only the position and the first line: the rest would quote the file, which may hold secrets.
    const pos = err instanceof YAMLParseError && err.linePos ? `${err.linePos[0].line}:${err.linePos[0].col}: ` : '';
    const reason = err instanceof Error ? (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '') : 'invalid YAML';
    return { values, extras: out, errors: [`--alpha-config: ${path}:${pos}invalid YAML: ${reason}`], unusable: true };
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isObj(doc)) return { values, extras: out, errors: [`--alpha-config: ${path}: the top level must be a mapping`], unusable: true };

  const set = (where: string, optionName: string, raw: unknown) => {
    const spec = optionByName(optionName);
    if (spec === undefined) return fail(where, 'is not supported by oauth2-sidecar');
    const converted = convert(spec, raw);
    if (typeof converted === 'string') return fail(where, converted);
    values.set(spec, converted.value);
  };

  for (const [key, value] of Object.entries(doc)) {
    switch (key) {
      case 'upstreamConfig': readUpstreams(value, out, set, fail); break;
      // oauth2-sidecar only: host-based routing (alpha-hosts.ts).
      case 'hosts': out.hosts = readHosts(value, fail, (where, list) => readUpstreamList(where, list, set, fail)); break;
      case 'injectRequestHeaders': out.requestHeaders = readHeaders(key, value, env, fail); break;
      case 'injectResponseHeaders': out.responseHeaders = readHeaders(key, value, env, fail); break;
      case 'server': readServer(key, value, false, set, fail); break;
      case 'metricsServer': readServer(key, value, true, set, fail); break;
      case 'providers': readProviders(value, out, set, fail); break;
      default: {
        const spec = optionByKey(key);
        if (spec === undefined || spec.key === null) { fail(key, 'unknown key'); break; }
        if (REPLACED_BY_ALPHA.includes(spec.name)) { fail(key, `set this through the alpha keys (upstreamConfig, injectRequestHeaders, server, providers, ...)`); break; }
        const converted = convert(spec, value);
        if (typeof converted === 'string') fail(key, converted);
        else values.set(spec, converted.value);
      }
    }
  }
  return { values, extras: out, errors, unusable: false };
}

type Setter = (where: string, option: string, raw: unknown) => void;
type Fail = (where: string, reason: string) => void;

function only(where: string, o: Obj, allowed: readonly string[], fail: Fail): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`${where}.${k}`, 'unknown key');
}

function readUpstreams(value: unknown, out: AlphaExtras, set: Setter, fail: Fail): void {
  if (!isObj(value)) return fail('upstreamConfig', 'must be a mapping');
  only('upstreamConfig', value, ['proxyRawPath', 'upstreams'], fail);
  if (value.proxyRawPath === true) fail('upstreamConfig.proxyRawPath', 'is not supported by oauth2-sidecar (paths are always forwarded as received)');
  const list = value.upstreams ?? [];
  if (!Array.isArray(list)) return fail('upstreamConfig.upstreams', 'must be a list');
  out.upstreams = readUpstreamList('upstreamConfig.upstreams', list, set, fail);
  sharedUpstreamSettings(out, set);
}

/** A list shaped as upstreamConfig.upstreams (also a host's upstreams), reported under `at`. */
function readUpstreamList(at: string, list: unknown[], set: Setter, fail: Fail): AlphaUpstream[] {
  const upstreams: AlphaUpstream[] = [];
  const ids = new Set<string>();
  const paths = new Set<string>();
  list.forEach((u: unknown, i) => {
    const where = `${at}[${i}]`;
    if (!isObj(u)) return fail(where, 'must be a mapping');
    only(where, u, ['id', 'path', 'uri', 'static', 'staticCode', 'rewriteTarget', ...UPSTREAM_SETTINGS.map(([k]) => k)], fail);
    if (typeof u.id !== 'string' || u.id === '') return fail(`${where}.id`, 'missing setting');
    if (typeof u.path !== 'string' || !u.path.startsWith('/')) return fail(`${where}.path`, 'missing setting (a path starting with /)');
    if (u.rewriteTarget !== undefined) return fail(`${where}.rewriteTarget`, 'is not supported by oauth2-sidecar');
    if (ids.has(u.id)) fail(`${where}.id`, `${JSON.stringify(u.id)} is used by more than one upstream`);
    if (paths.has(u.path)) fail(`${where}.path`, `${JSON.stringify(u.path)} is served by more than one upstream`);
    ids.add(u.id);
    paths.add(u.path);
    let uri: string;
    if (u.static === true) {
      const code = u.staticCode ?? 200;
      if (typeof code !== 'number' || !Number.isInteger(code) || code < 100 || code > 599) return fail(`${where}.staticCode`, 'must be a status code between 100 and 599');
      uri = `static://${code}`;
    } else {
      if (typeof u.uri !== 'string' || !/^(https?|file):\/\//i.test(u.uri)) return fail(`${where}.uri`, 'must be an http://, https:// or file:// URL');
      uri = u.uri;
    }
    const up: AlphaUpstream = { id: u.id, path: u.path, uri };
    for (const [key] of UPSTREAM_SETTINGS) {
      const v = u[key];
      if (v === undefined) continue;
      if (key === 'flushInterval' || key === 'timeout') {
        const d = typeof v === 'string' ? parseGoDuration(v) : undefined;
        if (!d?.ok) { fail(`${where}.${key}`, 'must be a duration such as "30s"'); continue; }
        if (key === 'timeout') up.timeoutMs = d.ms; else up.flushIntervalMs = d.ms;
      } else if (typeof v !== 'boolean') {
        fail(`${where}.${key}`, 'must be true or false');
      } else if (key === 'disableKeepAlives') {
        if (v) set(`${where}.${key}`, 'disable-keep-alives', true);
      } else if (key === 'insecureSkipTLSVerify') up.insecureSkipVerify = v;
      else if (key === 'passHostHeader') up.passHostHeader = v;
      else up.proxyWebSockets = v;
    }
    upstreams.push(up);
  });
  return upstreams;
}

function sharedUpstreamSettings(out: AlphaExtras, set: Setter): void {
  // A setting all upstreams share is also the option's value, so the configuration reads the same
  // as the legacy one it may have been converted from.
  const proxied = out.upstreams.filter((u) => !u.uri.startsWith('static://'));
  const shared = <K extends keyof AlphaUpstream>(key: K) => {
    const first = proxied[0]?.[key];
    return first !== undefined && proxied.every((u) => u[key] === first) ? first : undefined;
  };
  for (const [key, option] of [['passHostHeader', 'pass-host-header'], ['proxyWebSockets', 'proxy-websockets'], ['insecureSkipVerify', 'ssl-upstream-insecure-skip-verify']] as const) {
    const v = shared(key);
    if (v !== undefined) set(`upstreamConfig.upstreams[*].${key}`, option, v);
  }
  const timeout = shared('timeoutMs');
  if (timeout !== undefined) set('upstreamConfig.upstreams[*].timeout', 'upstream-timeout', `${timeout}ms`);
  const flush = shared('flushIntervalMs');
  if (flush !== undefined) set('upstreamConfig.upstreams[*].flushInterval', 'flush-interval', `${flush}ms`);
}

function readSecretSource(where: string, v: unknown, env: Readonly<Record<string, string | undefined>>, fail: Fail): string | undefined {
  if (!isObj(v)) { fail(where, 'must be a mapping with one of value, fromEnv, fromFile'); return undefined; }
  only(where, v, ['value', 'fromEnv', 'fromFile'], fail);
  const given = ['value', 'fromEnv', 'fromFile'].filter((k) => v[k] !== undefined);
  if (given.length !== 1) { fail(where, 'needs exactly one of value, fromEnv, fromFile'); return undefined; }
  if (typeof v.value === 'string') {
    const compact = v.value.replace(/\s/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) { fail(`${where}.value`, 'must be base64-encoded'); return undefined; }
    return Buffer.from(compact, 'base64').toString('utf8');
  }
  if (typeof v.fromEnv === 'string') {
    const e = env[v.fromEnv];
    if (e === undefined) { fail(`${where}.fromEnv`, `environment variable ${v.fromEnv} is not set`); return undefined; }
    return e;
  }
  if (typeof v.fromFile === 'string') {
    const r = readOptionFile(v.fromFile);
    if ('why' in r) { fail(`${where}.fromFile`, `cannot read ${JSON.stringify(v.fromFile)}: ${r.why}`); return undefined; }
    return r.text.replace(/(\r?\n)+$/, '');
  }
  fail(where, 'value, fromEnv and fromFile must be strings');
  return undefined;
}

function readHeaders(key: string, value: unknown, env: Readonly<Record<string, string | undefined>>, fail: Fail): AlphaHeader[] {
  if (!Array.isArray(value)) { fail(key, 'must be a list'); return []; }
  const out: AlphaHeader[] = [];
  value.forEach((h: unknown, i) => {
    const where = `${key}[${i}]`;
    if (!isObj(h)) return fail(where, 'must be a mapping');
    only(where, h, ['name', 'preserveRequestValue', 'InsecureSkipHeaderNormalization', 'insecureSkipHeaderNormalization', 'values'], fail);
    if (typeof h.name !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(h.name)) return fail(`${where}.name`, 'must be a valid header name');
    const values: AlphaHeaderValue[] = [];
    if (!Array.isArray(h.values) || h.values.length === 0) return fail(`${where}.values`, 'must be a non-empty list');
    h.values.forEach((v: unknown, j) => {
      const vw = `${where}.values[${j}]`;
      if (!isObj(v)) return fail(vw, 'must be a mapping');
      only(vw, v, ['claimSource', 'secretSource'], fail);
      if ((v.claimSource === undefined) === (v.secretSource === undefined)) return fail(vw, 'needs exactly one of claimSource, secretSource');
      if (v.secretSource !== undefined) {
        const s = readSecretSource(`${vw}.secretSource`, v.secretSource, env, fail);
        if (s !== undefined) values.push({ kind: 'secret', value: s });
        return;
      }
      const c = v.claimSource;
      if (!isObj(c)) return fail(`${vw}.claimSource`, 'must be a mapping');
      only(`${vw}.claimSource`, c, ['claim', 'prefix', 'basicAuthPassword'], fail);
      if (typeof c.claim !== 'string' || !(HEADER_CLAIMS as readonly string[]).includes(c.claim)) {
        return fail(`${vw}.claimSource.claim`, `must be one of ${HEADER_CLAIMS.join(', ')}`);
      }
      const claim: AlphaHeaderValue = { kind: 'claim', claim: c.claim, prefix: typeof c.prefix === 'string' ? c.prefix : '' };
      if (c.basicAuthPassword !== undefined) {
        const p = readSecretSource(`${vw}.claimSource.basicAuthPassword`, c.basicAuthPassword, env, fail);
        if (p !== undefined) claim.basicAuthPassword = p;
      }
      values.push(claim);
    });
    out.push({ name: h.name, preserveRequestValue: h.preserveRequestValue === true, values });
  });
  return out;
}

function readServer(key: string, value: unknown, metrics: boolean, set: Setter, fail: Fail): void {
  if (!isObj(value)) return fail(key, 'must be a mapping');
  only(key, value, ['bindAddress', 'secureBindAddress', 'tls'], fail);
  const bind = value.bindAddress;
  const secure = value.secureBindAddress;
  // An empty bindAddress means "no plain HTTP listener", which HTTPS already implies here.
  if (bind !== undefined && bind !== '') set(`${key}.bindAddress`, metrics ? 'metrics-address' : 'http-address', bind);
  if (secure !== undefined) set(`${key}.secureBindAddress`, metrics ? 'metrics-secure-address' : 'https-address', secure);
  if (!metrics && typeof bind === 'string' && bind !== '' && typeof secure === 'string' && secure !== '' && value.tls !== undefined) {
    fail(key, 'oauth2-sidecar serves either HTTP or HTTPS from one process; set bindAddress to "" to serve HTTPS only');
  }
  if (value.tls === undefined) return;
  const tls = value.tls;
  if (!isObj(tls)) return fail(`${key}.tls`, 'must be a mapping');
  only(`${key}.tls`, tls, ['key', 'cert', 'minVersion', 'cipherSuites'], fail);
  for (const [k, option] of [['cert', metrics ? 'metrics-tls-cert-file' : 'tls-cert-file'], ['key', metrics ? 'metrics-tls-key-file' : 'tls-key-file']] as const) {
    const src = tls[k];
    if (src === undefined) continue;
    if (!isObj(src) || typeof src.fromFile !== 'string' || Object.keys(src).length !== 1) {
      fail(`${key}.tls.${k}`, 'oauth2-sidecar reads TLS material from files only: use fromFile (it then follows the file as it is rotated)');
      continue;
    }
    set(`${key}.tls.${k}.fromFile`, option, src.fromFile);
  }
  if (metrics && (tls.minVersion !== undefined || tls.cipherSuites !== undefined)) {
    fail(`${key}.tls`, 'minVersion and cipherSuites are shared with the main listener in oauth2-sidecar; set them under server.tls');
  } else {
    if (tls.minVersion !== undefined) set(`${key}.tls.minVersion`, 'tls-min-version', tls.minVersion);
    if (tls.cipherSuites !== undefined) set(`${key}.tls.cipherSuites`, 'tls-cipher-suite', tls.cipherSuites);
  }
}

// The first entry feeds the legacy provider options, exactly as a single provider always did; the
// others keep their settings apart and become further providers.
function readProviders(value: unknown, out: AlphaExtras, set: Setter, fail: Fail): void {
  if (!Array.isArray(value)) return fail('providers', 'must be a list');
  const ids = new Set<string>();
  value.forEach((p: unknown, i) => {
    const where = `providers[${i}]`;
    if (!isObj(p)) return fail(where, 'must be a mapping');
    const id = p.id;
    if (id !== undefined && (typeof id !== 'string' || id === '')) fail(`${where}.id`, 'must be a non-empty string');
    else if (id === undefined && value.length > 1) fail(`${where}.id`, 'missing setting (required when there is more than one provider)');
    else if (typeof id === 'string' && ids.has(id)) fail(`${where}.id`, `${JSON.stringify(id)} is used by more than one provider`);
    if (typeof id === 'string') ids.add(id);
    if (i === 0) {
      if (typeof id === 'string' && id !== '') out.defaultProviderId = id;
      readProviderKeys(p, where, set, fail);
      return;
    }
    const values = new Map<OptionSpec, OptionValue>();
    readProviderKeys(p, where, (at, optionName, raw) => {
      const spec = optionByName(optionName);
      if (spec === undefined) return fail(at, 'is not supported by oauth2-sidecar');
      const converted = convert(spec, raw);
      if (typeof converted === 'string') return fail(at, converted);
      values.set(spec, converted.value);
    }, fail);
    (out.providers ??= []).push({ id: typeof id === 'string' ? id : '', where: `--alpha-config: ${where}`, values });
  });
}

function readProviderKeys(p: Obj, where: string, set: Setter, fail: Fail): void {
  const known = new Set(PROVIDER_KEYS.map(([k]) => k));
  const walk = (o: Obj, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      const path = prefix + k;
      if (k === 'id' && prefix === '') continue;
      if (k === 'loginURLParameters' && prefix === '') { readLoginParameters(v, where, set, fail); continue; }
      const entry = PROVIDER_KEYS.find(([kp]) => kp === path);
      if (entry) { set(`${where}.${path}`, entry[1], v); continue; }
      if (isObj(v) && [...known].some((kp) => kp.startsWith(path + '.'))) { walk(v, path + '.'); continue; }
      fail(`${where}.${path}`, 'unknown or unsupported key');
    }
  };
  walk(p, '');
}

function readLoginParameters(value: unknown, provider: string, set: Setter, fail: Fail): void {
  if (!Array.isArray(value)) return fail(`${provider}.loginURLParameters`, 'must be a list');
  value.forEach((p: unknown, i) => {
    const where = `${provider}.loginURLParameters[${i}]`;
    if (!isObj(p)) return fail(where, 'must be a mapping');
    const entry = LOGIN_PARAMETERS.find(([n]) => n === p.name);
    if (!entry) return fail(`${where}.name`, `only ${LOGIN_PARAMETERS.map(([n]) => n).join(', ')} are supported`);
    if (p.allow !== undefined) return fail(`${where}.allow`, 'overridable login parameters are not supported by oauth2-sidecar');
    const d = p.default;
    if (!Array.isArray(d) || d.length !== 1 || typeof d[0] !== 'string') return fail(`${where}.default`, 'must be a list with one value');
    set(where, entry[1], d[0]);
  });
}

/** Converts a YAML value to the option's type; a string is the reason it cannot be. */
function convert(spec: OptionSpec, raw: unknown): { value: OptionValue } | string {
  switch (spec.type) {
    case 'string': return typeof raw === 'string' ? { value: raw } : 'must be a string';
    case 'bool': return typeof raw === 'boolean' ? { value: raw } : 'must be true or false';
    case 'int': return typeof raw === 'number' && Number.isSafeInteger(raw) ? { value: raw } : 'must be an integer';
    case 'list':
      if (typeof raw === 'string') return { value: [raw] };
      return Array.isArray(raw) && raw.every((v) => typeof v === 'string') ? { value: [...(raw as string[])] } : 'must be a list of strings';
    case 'duration': {
      if (raw === 0) return { value: 0 };
      if (typeof raw !== 'string') return 'must be a duration such as "168h"';
      const d = parseGoDuration(raw.trim());
      return d.ok ? { value: d.ms } : `invalid duration: ${d.reason}`;
    }
  }
}
