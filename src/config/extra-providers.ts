// Further identity providers next to the default one: `--extra-provider` (flags, env, TOML) and the
// alpha `providers` entries after the first. Each becomes the main configuration overlaid with its
// own provider settings, so it is built and validated exactly as the main provider is.
//
// A list option's values are split at commas wherever they come from, so the items of all
// --extra-provider values arrive as one flat list of key=value; `id=` opens each provider.
import { alphaExtrasOf, type ExtraProviderSpec } from './alpha-types.js';
import { readOptionFile } from './read-file.js';
import { OPTIONS, fieldName, optionByName, type OptionSpec } from './options.js';
import { closest } from '../text/suggest.js';
import type { Config, OptionValue } from './types.js';
import { convertText, defaultValue, splitList } from './values.js';

export const EXTRA_PROVIDER_FLAG = 'extra-provider';

/** A provider's configuration: the main one overlaid with the provider's settings, and its id. */
export type ExtraProviderConfig = Config & { readonly providerId: string };

/** Ids travel in `?provider=` and in the OAuth state, so they stay plain. */
export const PROVIDER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The options a provider entry may set: every provider setting, and the groups it lets in. */
export const PROVIDER_OPTIONS: ReadonlySet<string> = new Set([
  ...(OPTIONS as readonly OptionSpec[])
    .filter((o) => (o.group === 'provider' || o.group === 'provider-specific') && o.name !== EXTRA_PROVIDER_FLAG)
    .map((o) => o.name),
  'allowed-group',
]);

/** Taken over from the main configuration unless the entry sets them: how to reach providers at all. */
const INHERITED: ReadonlySet<string> = new Set(['provider-ca-file', 'use-system-trust-store', 'ssl-insecure-skip-verify']);

/** Reads the flat key=value items of --extra-provider into one spec per `id=`. */
export function parseExtraProviders(items: readonly string[]): { specs: ExtraProviderSpec[]; errors: string[] } {
  const specs: ExtraProviderSpec[] = [];
  const errors: string[] = [];
  const fail = (who: string, reason: string) => errors.push(`--${EXTRA_PROVIDER_FLAG}: ${who}${reason}`);
  let current: ExtraProviderSpec | undefined;
  let orphaned = false;
  for (const item of items.flatMap(splitList)) {
    const eq = item.indexOf('=');
    const key = (eq === -1 ? item : item.slice(0, eq)).trim();
    const text = eq === -1 ? '' : item.slice(eq + 1).trim();
    if (eq === -1) {
      // Never the item itself: it may be part of a secret.
      fail(current ? `${current.id}: ` : '', `every item must be key=value (an item without "=" follows ${current ? `id=${current.id}` : 'the start'}; values cannot contain commas)`);
      continue;
    }
    if (key === 'id') {
      current = { id: text, where: `--${EXTRA_PROVIDER_FLAG}`, values: new Map() };
      specs.push(current);
      continue;
    }
    if (current === undefined) {
      // Reported once; the items up to the next id= belong to no provider.
      if (!orphaned) fail('', `each provider must begin with id=<id> (found ${JSON.stringify(key)} first)`);
      orphaned = true;
      continue;
    }
    const who = `${current.id || '(no id)'}: `;
    const spec = PROVIDER_OPTIONS.has(key) ? optionByName(key) : undefined;
    if (spec === undefined) {
      const hint = closest(key, PROVIDER_OPTIONS);
      fail(who, `unknown key ${JSON.stringify(key)}${hint ? ` (did you mean ${hint}?)` : ''}`);
      continue;
    }
    const converted = convertText(spec, text);
    if (!converted.ok) { fail(who, `${key}: ${converted.reason}`); continue; }
    const previous = current.values.get(spec);
    if (previous !== undefined) {
      if (!Array.isArray(previous) || !Array.isArray(converted.value)) { fail(who, `${key} is given more than once`); continue; }
      current.values.set(spec, [...previous, ...converted.value]);
    } else {
      current.values.set(spec, converted.value);
    }
  }
  return { specs, errors };
}

const specsCache = new WeakMap<Config, { specs: ExtraProviderSpec[]; errors: string[] }>();

/** Every further provider of the configuration: the alpha entries, then --extra-provider. */
export function extraProviderSpecs(config: Config): { specs: ExtraProviderSpec[]; errors: string[] } {
  let got = specsCache.get(config);
  if (got === undefined) {
    const parsed = parseExtraProviders(config.extraProviders);
    got = { specs: [...(alphaExtrasOf(config)?.providers ?? []), ...parsed.specs], errors: parsed.errors };
    specsCache.set(config, got);
  }
  return got;
}

/** The alpha file's `id` for the default provider, when it sets one. */
export function defaultProviderIdOf(config: Config): string | undefined {
  return alphaExtrasOf(config)?.defaultProviderId;
}

/** The main configuration as one provider sees it; a client secret file is read here, as load does for the main one. */
export function overlayProvider(config: Config, spec: ExtraProviderSpec): { config: ExtraProviderConfig; error?: string } {
  const out = { ...config } as unknown as Record<string, OptionValue>;
  for (const o of OPTIONS as readonly OptionSpec[]) {
    if (PROVIDER_OPTIONS.has(o.name) && !INHERITED.has(o.name)) out[fieldName(o)] = defaultValue(o);
  }
  for (const [o, v] of spec.values) out[fieldName(o)] = Array.isArray(v) ? [...v] : v;
  out.extraProviders = [];
  let error: string | undefined;
  if (out.clientSecret === '' && typeof out.clientSecretFile === 'string' && out.clientSecretFile !== '') {
    const read = readOptionFile(out.clientSecretFile);
    const secret = 'why' in read ? '' : read.text.replace(/(\r?\n)+$/, '');
    if ('why' in read) error = `client-secret-file: cannot read ${JSON.stringify(out.clientSecretFile)}: ${read.why}`;
    else if (secret === '') error = `client-secret-file: ${JSON.stringify(out.clientSecretFile)} is empty`;
    out.clientSecret = secret;
  }
  return { config: Object.freeze({ ...out, providerId: spec.id }) as unknown as ExtraProviderConfig, ...(error ? { error } : {}) };
}

const configsCache = new WeakMap<Config, ExtraProviderConfig[]>();

/** The configurations to build the further providers from (validation has checked them). */
export function extraProviderConfigs(config: Config): ExtraProviderConfig[] {
  let got = configsCache.get(config);
  if (got === undefined) {
    got = extraProviderSpecs(config).specs.map((s) => overlayProvider(config, s).config);
    configsCache.set(config, got);
  }
  return got;
}

/**
 * Every problem of the further providers, each naming where the provider was given and its id.
 * `validateOne` is the main validation, run on each overlaid configuration; only its complaints
 * about provider settings belong to the provider (the rest were reported for the main configuration).
 */
export function extraProviderProblems(config: Config, validateOne: (c: Config) => string[], defaultId: string | undefined): string[] {
  const { specs, errors } = extraProviderSpecs(config);
  const out = [...errors];
  const seen = new Set<string>(defaultId === undefined ? [] : [defaultId]);
  const named = (s: ExtraProviderSpec) => `${s.where}: ${s.id || '(no id)'}: `;
  for (const s of specs) {
    const at = named(s);
    if (s.id === '') out.push(`${s.where}: id: missing setting (every further provider needs an id)`);
    else if (!PROVIDER_ID.test(s.id)) out.push(`${at}id must be letters, digits, '.', '_' or '-' (at most 64)`);
    else if (seen.has(s.id)) out.push(`${at}id is used by more than one provider${s.id === defaultId ? ' (the default provider has it)' : ''}`);
    seen.add(s.id);
    for (const name of ['provider', 'client-id'] as const) {
      if (!s.values.has(optionByName(name)!)) out.push(`${at}${name}: missing setting`);
    }
    const { config: c, error } = overlayProvider(config, s);
    if (error) out.push(at + error);
    const own = new Set([...s.values.keys()].map((o) => o.name));
    for (const problem of validateOne(c)) {
      const flag = /^--([a-z0-9-]+):/.exec(problem)?.[1];
      if (flag === undefined || !PROVIDER_OPTIONS.has(flag) || (INHERITED.has(flag) && !own.has(flag))) continue;
      // The main validation's "missing setting" for provider/client-id is reported above already.
      if ((flag === 'client-id' && !own.has('client-id')) || (flag === 'client-secret' && error)) continue;
      out.push(at + problem.slice(2));
    }
  }
  return out;
}
