// docs/options.md, rendered from the option table (scripts/gen-options-doc.ts prints it; a test checks
// the committed file matches).

import { defaultText } from './help.js';
import { GROUP_ORDER, GROUP_TITLES, OPTIONS, optionsInGroup, type OptionSpec, type Support } from './options.js';

const SUPPORT_TEXT: Readonly<Record<Support, string>> = {
  yes: 'yes',
  ignored: 'no effect yet',
  no: 'not yet',
};

export function optionsMarkdown(): string {
  const all = OPTIONS as readonly OptionSpec[];
  const count = (s: Support): number => all.filter((o) => o.support === s).length;
  const out: string[] = [
    '# oauth2-sidecar options',
    '',
    '<!-- Generated from src/config/options.ts by scripts/gen-options-doc.ts; edit the table, not this file. -->',
    '',
    'oauth2-sidecar accepts every option of oauth2-proxy v7.15.3 under the same names: the command-line flag,',
    'the `OAUTH2_PROXY_*` environment variable and the key in the TOML file given with `--config`.',
    'When an option is set in several places, the flag wins over the environment variable, which wins over the',
    'config file, which wins over the default.',
    '',
    '- List options: repeat the flag or separate values with commas (`--upstream=http://a,http://b`);',
    '  in the environment use commas; in TOML use an array (a single string is also accepted).',
    '- Durations use Go syntax: `300ms`, `30s`, `15m`, `1h30m`, `168h`; a bare number other than `0` is rejected.',
    '- Booleans on the command line: `--flag`, `--flag=true` or `--flag=false`.',
    '',
    'Support column:',
    '',
    `- **yes** (${count('yes')} options): implemented.`,
    `- **no effect yet** (${count('ignored')}): accepted so existing configurations keep working; a warning says the setting is ignored.`,
    `- **not yet** (${count('no')}): setting it to anything but its default stops startup with \`--<flag>: not supported by oauth2-sidecar yet\`,`,
    '  because ignoring it could let in requests the setting was meant to keep out.',
    '',
    'Differences from oauth2-proxy defaults: `--insecure-oidc-skip-nonce` defaults to `false` (the OIDC nonce is',
    'sent and checked). Only `--provider=oidc` is implemented.',
  ];
  for (const group of GROUP_ORDER) {
    out.push('', `## ${GROUP_TITLES[group]}`, '');
    out.push('| Flag | Env var | Config key | Type | Default | Support | Description |');
    out.push('|---|---|---|---|---|---|---|');
    for (const spec of optionsInGroup(group)) out.push(row(spec));
  }
  return out.join('\n') + '\n';
}

function row(spec: OptionSpec): string {
  const code = (s: string | null): string => (s === null ? '—' : `\`${s}\``);
  const shown = defaultText(spec, true);
  const cells = [
    `\`--${spec.name}\``,
    code(spec.env),
    spec.key === null ? '— (command line only)' : code(spec.key) + (spec.legacyKey ? ` (also \`${spec.legacyKey}\`)` : ''),
    spec.type,
    shown === undefined ? '' : `\`${shown}\``,
    SUPPORT_TEXT[spec.support],
    // Help text is plain prose: keep "<issuer>" from vanishing as HTML and "*" from starting emphasis.
    spec.help.replace(/[*_]/g, '\\$&').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
  ];
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
}
