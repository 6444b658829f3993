// Merges the configuration sources. Precedence, highest first: flags, OAUTH2_PROXY_* environment,
// TOML file, --demo presets, table defaults; --dev-oidc-provider then fills what is still empty.

import { readOptionFile } from './read-file.js';

import { parseArgv } from './argv.js';
import { readEnv } from './env.js';
import { readConfigFile } from './file.js';
import { attachAlphaExtras, readAlphaConfig } from './alpha.js';
import { REPLACED_BY_ALPHA } from './alpha-schema.js';
import { OPTIONS, fieldName, optionByName, type OptionSpec } from './options.js';
import { demoPresets, devOidcPresets, randomCookieSecret } from './presets.js';
import type { Config, OptionValue } from './types.js';
import { configWarnings, validate } from './validate.js';
import { defaultValue } from './values.js';

export type LoadResult =
  | { ok: true; config: Config; warnings: string[] }
  | { ok: false; errors: string[]; warnings: string[] };

function spec(name: string): OptionSpec {
  const s = optionByName(name);
  if (s === undefined) throw new Error(`option table has no --${name}`);
  return s;
}

export function loadConfig(argv: string[], env: Record<string, string | undefined>): LoadResult {
  const flags = parseArgv(argv);

  // Help and version must work even next to a broken configuration.
  if (flags.values.get(spec('help')) === true || flags.values.get(spec('version')) === true) {
    return { ok: true, config: buildConfig(withDefaults([flags.values])), warnings: [] };
  }

  const fromEnv = readEnv(env);
  const configPath = flags.values.get(spec('config'));
  const fromFile =
    typeof configPath === 'string' && configPath !== ''
      ? readConfigFile(configPath)
      : { values: new Map<OptionSpec, OptionValue>(), errors: [], warnings: [], unusable: false };
  const demo = flags.values.get(spec('demo')) === true;

  const alphaPath = flags.values.get(spec('alpha-config'));
  const alpha = typeof alphaPath === 'string' && alphaPath !== '' ? readAlphaConfig(alphaPath, env) : undefined;
  // The demo logs JSON, as it always has; the general default is oauth2-proxy's text lines.
  const presets = demo ? new Map([...demoPresets(), [spec('logging-format'), 'json' as OptionValue]]) : new Map<OptionSpec, OptionValue>();
  const merged = withDefaults([presets, fromFile.values, alpha?.values ?? new Map(), fromEnv.values, flags.values]);
  const explicit = new Set<OptionSpec>([...fromFile.values.keys(), ...(alpha?.values.keys() ?? []), ...fromEnv.values.keys(), ...flags.values.keys()]);
  const current = (name: string): OptionValue => merged.get(spec(name)) as OptionValue;

  const errors = [...flags.errors, ...fromEnv.errors, ...fromFile.errors, ...(alpha?.errors ?? [])];
  const warnings = [...flags.warnings, ...fromEnv.warnings, ...fromFile.warnings];
  if (alpha) {
    // As in oauth2-proxy: what the alpha file describes cannot also come from flags, env or TOML.
    for (const name of REPLACED_BY_ALPHA) {
      const s = spec(name);
      if (fromFile.values.has(s) || fromEnv.values.has(s) || flags.values.has(s)) {
        errors.push(`--${name}: cannot be used with --alpha-config; set it in the alpha configuration file`);
      }
    }
    merged.set(spec('upstream'), []);
  }

  const devAddress = current('dev-oidc-provider');
  if (typeof devAddress === 'string' && devAddress !== '') {
    const presets = devOidcPresets(devAddress, current, (name) => explicit.has(spec(name)));
    for (const [s, v] of presets) merged.set(s, v);
  }

  if (demo && current('cookie-secret') === '' && current('cookie-secret-file') === '') {
    merged.set(spec('cookie-secret'), randomCookieSecret());
    warnings.push('--demo: using a random cookie secret, so sessions end when the process stops; set --cookie-secret to keep them');
  }

  for (const [secretName, fileName] of [['client-secret', 'client-secret-file'], ['cookie-secret', 'cookie-secret-file']] as const) {
    const path = current(fileName);
    if (current(secretName) !== '' || typeof path !== 'string' || path === '') continue;
    const read = readSecretFile(path);
    if (typeof read === 'string') merged.set(spec(secretName), read);
    else errors.push(`--${fileName}: ${read.error}`);
  }

  const config = buildConfig(merged);
  if (alpha) attachAlphaExtras(config, alpha.extras);
  warnings.push(...configWarnings(config));

  // Without the file, most settings are probably missing; listing each would bury the real problem.
  if (fromFile.unusable || alpha?.unusable) return { ok: false, errors, warnings };

  // A value that failed to load was replaced by a lower-precedence one; further complaints about the
  // same flag (or the secret its file should have supplied) would only be noise.
  const reported = new Set(errors.map(flagOf).filter((f): f is string => f !== undefined));
  if (reported.has('client-secret-file')) reported.add('client-secret');
  if (reported.has('cookie-secret-file')) reported.add('cookie-secret');
  for (const problem of validate(config)) {
    const flag = flagOf(problem);
    if (flag === undefined || !reported.has(flag)) errors.push(problem);
  }

  return errors.length > 0 ? { ok: false, errors, warnings } : { ok: true, config, warnings };
}

/** The configuration with nothing set: every option at its table default. */
export function defaultConfig(): Config {
  return buildConfig(withDefaults([]));
}

function withDefaults(layers: readonly ReadonlyMap<OptionSpec, OptionValue>[]): Map<OptionSpec, OptionValue> {
  const merged = new Map<OptionSpec, OptionValue>();
  for (const o of OPTIONS as readonly OptionSpec[]) merged.set(o, defaultValue(o));
  for (const layer of layers) for (const [s, v] of layer) merged.set(s, v);
  return merged;
}

function buildConfig(values: ReadonlyMap<OptionSpec, OptionValue>): Config {
  const out: Record<string, OptionValue> = {};
  for (const [s, v] of values) {
    // Lists are frozen too: the configuration is shared by every request and must not drift.
    out[fieldName(s)] = Array.isArray(v) ? (Object.freeze([...v]) as string[]) : v;
  }
  return Object.freeze(out) as unknown as Config;
}

function readSecretFile(path: string): string | { error: string } {
  const read = readOptionFile(path);
  if ('why' in read) return { error: `cannot read ${JSON.stringify(path)}: ${read.why}` };
  const text = read.text;
  // Files written with `echo` or an editor end in a newline that is not part of the secret.
  const secret = text.replace(/(\r?\n)+$/, '');
  return secret === '' ? { error: `${JSON.stringify(path)} is empty` } : secret;
}

function flagOf(message: string): string | undefined {
  return /^--([a-z0-9-]+):/.exec(message)?.[1];
}
