// OAUTH2_PROXY_* environment variables, named after the config key (so lists use the plural).

import type { SourceValues } from './argv.js';
import { OPTIONS, envNameForKey, optionByEnv, type OptionSpec } from './options.js';
import { closest } from '../text/suggest.js';
import type { OptionValue } from './types.js';
import { convertText } from './values.js';

const PREFIX = 'OAUTH2_PROXY_';

const KNOWN_ENV = (OPTIONS as readonly OptionSpec[]).flatMap((o) => (o.env === null ? [] : [o.env]));

export function readEnv(env: Readonly<Record<string, string | undefined>>): SourceValues {
  const values = new Map<OptionSpec, OptionValue>();
  const errors: string[] = [];
  const warnings: string[] = [];
  // A variable under an option's current name beats one under its legacy name, whatever the order.
  const fromCurrentName = new Set<OptionSpec>();

  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(PREFIX)) continue;
    const text = env[name];
    const spec = optionByEnv(name);
    if (spec === undefined) {
      warnings.push(unknownEnvWarning(name));
      continue;
    }
    // An empty variable counts as unset, as it does for oauth2-proxy.
    if (text === undefined || text === '') continue;
    const current = name === spec.env;
    if (!current && fromCurrentName.has(spec)) continue;
    const converted = convertText(spec, text);
    if (!converted.ok) {
      errors.push(`--${spec.name}: ${converted.reason} (from ${name})`);
      continue;
    }
    values.set(spec, converted.value);
    if (current) fromCurrentName.add(spec);
  }
  return { values, errors, warnings };
}

function unknownEnvWarning(name: string): string {
  const cliOnly = (OPTIONS as readonly OptionSpec[]).find(
    (o) => o.env === null && envNameForKey(o.name.replace(/-/g, '_')) === name,
  );
  if (cliOnly !== undefined) {
    return `environment variable ${name} is ignored: --${cliOnly.name} can only be given on the command line`;
  }
  const hint = closest(name, KNOWN_ENV);
  return `unknown environment variable ${name} is ignored${hint ? ` (did you mean ${hint}?)` : ''}`;
}
