// --help and --version output, generated from the option table so it cannot fall out of date.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { GROUP_ORDER, GROUP_TITLES, optionsInGroup, type OptionSpec } from './options.js';
import { defaultValue, displayValue } from './values.js';

const WIDTH = 100;
const INDENT = '      ';

export function helpText(): string {
  const lines: string[] = [
    'Usage: oauth2-sidecar [flags]',
    '',
    ...wrap(
      'An authenticating reverse proxy that accepts the flags, OAUTH2_PROXY_* environment variables and TOML ' +
        'config keys of oauth2-proxy. Precedence: flags, then environment, then the --config file, then defaults. ' +
        'Give list options several times or separate values with commas. Durations use Go syntax (30s, 15m, 1h30m, 168h). ' +
        'Options marked [not supported yet] are rejected unless left at their default; [no effect yet] ones are accepted and ignored.',
      '',
    ),
  ];
  for (const group of GROUP_ORDER) {
    lines.push('', `${GROUP_TITLES[group]}:`);
    for (const spec of optionsInGroup(group)) lines.push(...describe(spec));
  }
  return lines.join('\n') + '\n';
}

function describe(spec: OptionSpec): string[] {
  const head = `  --${spec.name} ${spec.type}${spec.env === null ? '' : `   (env ${spec.env})`}`;
  const words = spec.help.split(/\s+/);
  const shown = defaultText(spec);
  if (shown !== undefined) words.push(`(default ${shown})`);
  if (spec.support === 'no') words.push('[not supported yet]');
  if (spec.support === 'ignored') words.push('[no effect yet]');
  return [head, ...wrapWords(words, INDENT)];
}

/**
 * The default as help shows it, or undefined when there is nothing worth showing. Strings are quoted
 * unless `bare` (Markdown code spans already delimit them).
 */
export function defaultText(spec: OptionSpec, bare = false): string | undefined {
  if (spec.secret) return undefined;
  const value = defaultValue(spec);
  const quote = (s: string): string => (bare ? s : JSON.stringify(s));
  if (spec.type === 'duration') return String(spec.default);
  if (spec.type === 'string') return value === '' ? undefined : quote(String(value));
  if (spec.type === 'list') return Array.isArray(value) && value.length > 0 ? quote(displayValue(spec, value)) : undefined;
  return displayValue(spec, value);
}

function wrap(text: string, indent: string): string[] {
  return wrapWords(text.split(/\s+/), indent);
}

/** Each element stays on one line, so "(default …)" and "[…]" notes are never split. */
function wrapWords(words: readonly string[], indent: string): string[] {
  const out: string[] = [];
  let line = indent;
  for (const word of words) {
    if (line.length > indent.length && line.length + 1 + word.length > WIDTH) {
      out.push(line);
      line = indent;
    }
    line += (line.length > indent.length ? ' ' : '') + word;
  }
  if (line.length > indent.length) out.push(line);
  return out;
}

/** One line, without a trailing newline. */
export function versionText(): string {
  return `oauth2-sidecar v${packageVersion()} (node ${process.version})`;
}

let cachedVersion: string | undefined;

/** Walks up to the package root, which sits at a different depth in src/ and in dist/. */
export function packageVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'oauth2-sidecar' && typeof pkg.version === 'string') {
        cachedVersion = pkg.version;
        return pkg.version;
      }
    }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}
