// The TOML config file (--config). Like oauth2-proxy, an unknown key is an error rather than being
// skipped: a misspelt security setting silently falling back to its default is worse than not starting.

import { readOptionFile } from './read-file.js';
import { createRequire } from 'node:module';

import type { SourceValues } from './argv.js';
import { OPTIONS, optionByKey, type OptionSpec } from './options.js';
import { closest } from '../text/suggest.js';
import type { OptionValue } from './types.js';
import { parseGoDuration } from './duration.js';

const KNOWN_KEYS = (OPTIONS as readonly OptionSpec[]).flatMap((o) => (o.key === null ? [] : [o.key]));

/** `unusable`: the file could not be read or parsed, so nothing in it was taken into account. */
export function readConfigFile(path: string): SourceValues & { unusable: boolean } {
  const values = new Map<OptionSpec, OptionValue>();
  const errors: string[] = [];
  const warnings: string[] = [];

  const read = readOptionFile(path);
  if ('why' in read) {
    errors.push(`--config: cannot read config file ${JSON.stringify(path)}: ${read.why}`);
    return { values, errors, warnings, unusable: true };
  }
  const text = read.text;

  let table: Record<string, unknown>;
  // Loaded only when a --config file is given (its CommonJS build, synchronously).
  const { parse, TomlError } = createRequire(import.meta.url)('smol-toml') as typeof import('smol-toml');
  try {
    table = parse(text, { unsafeKeyBehaviour: 'throw' });
  } catch (err) {
    if (err instanceof TomlError) {
      // Only the first line of the message: the rest quotes the offending lines, which may hold secrets.
      const reason = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
      errors.push(`--config: ${path}:${err.line}:${err.column}: invalid TOML: ${reason}`);
    } else {
      errors.push(`--config: ${path}: invalid TOML`);
    }
    return { values, errors, warnings, unusable: true };
  }

  const fromCurrentKey = new Set<OptionSpec>();
  for (const key of Object.keys(table)) {
    const spec = optionByKey(key);
    if (spec === undefined) {
      const hint = closest(key, KNOWN_KEYS, (s) => s.toLowerCase().replace(/-/g, '_'));
      errors.push(`--config: ${path}: unknown key ${JSON.stringify(key)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`);
      continue;
    }
    const current = key === spec.key;
    if (!current && fromCurrentKey.has(spec)) continue;
    const converted = convertToml(spec, table[key]);
    if (typeof converted === 'string') {
      errors.push(`--${spec.name}: key ${JSON.stringify(key)} in ${path} ${converted}`);
      continue;
    }
    values.set(spec, converted.value);
    if (current) fromCurrentKey.add(spec);
  }
  return { values, errors, warnings, unusable: false };
}

/** Returns the value, or the reason it is unacceptable (never quoting the value itself). */
function convertToml(spec: OptionSpec, raw: unknown): { value: OptionValue } | string {
  switch (spec.type) {
    case 'string':
      return typeof raw === 'string' ? { value: raw } : `must be a string, not ${describe(raw)}`;
    case 'bool':
      return typeof raw === 'boolean' ? { value: raw } : `must be a boolean (true or false, unquoted), not ${describe(raw)}`;
    case 'int':
      return typeof raw === 'number' && Number.isSafeInteger(raw) ? { value: raw } : `must be an integer, not ${describe(raw)}`;
    case 'list':
      if (typeof raw === 'string') return { value: [raw] };
      if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) return { value: [...(raw as string[])] };
      return `must be an array of strings, not ${describe(raw)}`;
    case 'duration':
      if (typeof raw === 'number') {
        if (raw === 0) return { value: 0 };
        return 'must be a duration string with a unit, such as "30s", "15m" or "168h"; a bare number has no unit';
      }
      if (typeof raw !== 'string') return `must be a duration string such as "168h", not ${describe(raw)}`;
      {
        const d = parseGoDuration(raw.trim());
        return d.ok ? { value: d.ms } : `has an invalid duration ${JSON.stringify(raw)}: ${d.reason}`;
      }
  }
}

function describe(raw: unknown): string {
  if (Array.isArray(raw)) return raw.every((v) => typeof v === 'string') ? 'an array' : 'an array with non-string items';
  if (typeof raw === 'number') return Number.isInteger(raw) ? 'an integer' : 'a float';
  if (typeof raw === 'string') return 'a string';
  if (typeof raw === 'boolean') return 'a boolean';
  if (raw !== null && typeof raw === 'object') {
    return raw.constructor === Object ? 'a table' : 'a date';
  }
  return typeof raw;
}
