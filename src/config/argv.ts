// Command-line parsing compatible with how oauth2-proxy is invoked in the wild: --flag=value,
// --flag value, single-dash -flag=value (Go's flag package style), bare booleans, repeatable lists.

import { OPTIONS, optionByName, type OptionSpec } from './options.js';
import { closest } from '../text/suggest.js';
import type { OptionValue } from './types.js';
import { convertText, parseBool } from './values.js';

export interface SourceValues {
  readonly values: Map<OptionSpec, OptionValue>;
  readonly errors: string[];
  readonly warnings: string[];
}

const FLAG_NAMES = (OPTIONS as readonly OptionSpec[]).map((o) => o.name);

interface FlagToken {
  readonly spec: OptionSpec | undefined;
  readonly name: string;
  readonly inline: string | undefined;
}

function asFlag(arg: string): FlagToken | undefined {
  if (!arg.startsWith('-') || arg === '-' || arg === '--') return undefined;
  const body = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
  const eq = body.indexOf('=');
  const name = eq === -1 ? body : body.slice(0, eq);
  const inline = eq === -1 ? undefined : body.slice(eq + 1);
  // -h is the one short form everybody tries first.
  const spec = optionByName(name === 'h' ? 'help' : name);
  return { spec, name, inline };
}

/**
 * Whether the argument after a value-taking flag is another flag rather than its value. Values may
 * legitimately start with "-" (banner "-", a negative number), so only long-flag-looking text, or a
 * single dash followed by a known flag name, counts as a flag.
 */
function looksLikeFlag(arg: string): boolean {
  if (arg.startsWith('--') && arg.length > 2) return true;
  const token = asFlag(arg);
  return token !== undefined && token.spec !== undefined;
}

export function parseArgv(argv: readonly string[]): SourceValues {
  const values = new Map<OptionSpec, OptionValue>();
  const errors: string[] = [];
  const warnings: string[] = [];

  const set = (spec: OptionSpec, text: string): void => {
    const converted = convertText(spec, text);
    if (!converted.ok) {
      errors.push(`--${spec.name}: ${converted.reason}`);
      return;
    }
    const previous = values.get(spec);
    if (spec.type === 'list' && Array.isArray(previous) && Array.isArray(converted.value)) {
      values.set(spec, [...previous, ...converted.value]);
    } else {
      values.set(spec, converted.value);
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      const rest = argv.length - i - 1;
      if (rest > 0) errors.push(`unexpected positional argument${rest > 1 ? 's' : ''} after "--" (oauth2-sidecar takes only flags)`);
      break;
    }
    const token = asFlag(arg);
    if (token === undefined) {
      errors.push(describePositional(argv, i));
      continue;
    }
    const dashes = arg.startsWith('--') ? '--' : '-';
    const { spec, name, inline } = token;
    if (spec === undefined) {
      const hint = closest(name, FLAG_NAMES, (s) => s.toLowerCase().replace(/_/g, '-'));
      errors.push(`unknown flag ${dashes}${name}${hint ? ` (did you mean --${hint}?)` : ''}`);
      // Its value, if any, would otherwise be reported (and printed) as a stray argument.
      const next = argv[i + 1];
      if (inline === undefined && next !== undefined && !next.startsWith('-')) i++;
      continue;
    }
    if (spec.type === 'bool') {
      if (inline === undefined) {
        values.set(spec, true);
      } else if (parseBool(inline) === undefined) {
        errors.push(`--${spec.name}: invalid boolean ${JSON.stringify(inline)} (use --${spec.name}, --${spec.name}=true or --${spec.name}=false)`);
      } else {
        set(spec, inline);
      }
      continue;
    }
    if (inline !== undefined) {
      set(spec, inline);
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || looksLikeFlag(next)) {
      errors.push(`--${spec.name}: missing value (use --${spec.name}=<${spec.type === 'list' ? 'value[,value…]' : spec.type}>)`);
      continue;
    }
    set(spec, next);
    i++;
  }
  return { values, errors, warnings };
}

function describePositional(argv: readonly string[], i: number): string {
  const previous = i > 0 ? asFlag(argv[i - 1] as string) : undefined;
  // The stray text may be a secret typed after "--client-secret=" with a space; do not repeat it then.
  if (previous?.spec?.secret) return `unexpected argument at position ${i + 1} (oauth2-sidecar takes only flags)`;
  const shown = JSON.stringify(argv[i]);
  if (previous?.spec?.type === 'bool' && previous.inline === undefined && parseBool(argv[i] as string) !== undefined) {
    return `unexpected argument ${shown}: boolean flags take no separate value, write --${previous.spec.name}=${argv[i]}`;
  }
  return `unexpected argument ${shown} (oauth2-sidecar takes only flags)`;
}
