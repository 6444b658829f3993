// Turning the text given on the command line or in the environment into typed option values, with the
// same spellings oauth2-proxy (Go's strconv and pflag) accepts, so existing deployments parse the same.

import { formatDuration, parseGoDuration } from './duration.js';
import type { OptionSpec } from './options.js';
import type { OptionValue } from './types.js';

export type Converted = { ok: true; value: OptionValue } | { ok: false; reason: string };

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function parseBool(text: string): boolean | undefined {
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  return undefined;
}

/** Comma-separated, surrounding blanks trimmed, empty items dropped (so "a, b," is [a, b]). */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Converts one textual value. Reasons never contain the value of a secret option. */
export function convertText(spec: OptionSpec, text: string): Converted {
  const shown = spec.secret ? '' : ` ${JSON.stringify(text)}`;
  switch (spec.type) {
    case 'string':
      return { ok: true, value: text };
    case 'list':
      return { ok: true, value: splitList(text) };
    case 'bool': {
      const b = parseBool(text);
      return b === undefined
        ? { ok: false, reason: `invalid boolean${shown} (use true or false)` }
        : { ok: true, value: b };
    }
    case 'int': {
      const t = text.trim();
      if (!/^[+-]?\d+$/.test(t)) return { ok: false, reason: `invalid integer${shown}` };
      const n = Number(t);
      if (!Number.isSafeInteger(n)) return { ok: false, reason: `integer${shown} out of range` };
      return { ok: true, value: n };
    }
    case 'duration': {
      const d = parseGoDuration(text.trim());
      return d.ok ? { ok: true, value: d.ms } : { ok: false, reason: `invalid duration${shown}: ${d.reason}` };
    }
  }
}

/** The table default as a typed value (durations turned into milliseconds). */
export function defaultValue(spec: OptionSpec): OptionValue {
  const d = spec.default;
  if (spec.type === 'duration') {
    const parsed = parseGoDuration(String(d));
    if (!parsed.ok) throw new Error(`option table: bad duration default for --${spec.name}`);
    return parsed.ms;
  }
  return Array.isArray(d) ? [...(d as readonly string[])] : (d as string | boolean | number);
}

export function sameValue(a: OptionValue, b: OptionValue): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => v === b[i]);
  }
  return a === b;
}

/** Human-readable value for help and docs; never call it with a secret's actual value. */
export function displayValue(spec: OptionSpec, value: OptionValue): string {
  if (spec.type === 'duration' && typeof value === 'number') return formatDuration(value);
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}
