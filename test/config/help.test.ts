import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { optionsMarkdown } from '../../src/config/doc.js';
import { helpText, versionText } from '../../src/config/help.js';
import { GROUP_TITLES, OPTIONS, type OptionSpec } from '../../src/config/options.js';
import { projectRoot } from '../support/paths.js';

const ALL = OPTIONS as readonly OptionSpec[];

function helpEntry(help: string, name: string): string {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`  --${name} `));
  assert.ok(start >= 0, `--${name} not in help`);
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('      '));
  return lines.slice(start, end).join('\n');
}

describe('--help', () => {
  const help = helpText();

  it('lists every flag with its type, grouped', () => {
    for (const o of ALL) assert.match(helpEntry(help, o.name), new RegExp(`^  --${o.name} ${o.type}\\b`));
    for (const title of Object.values(GROUP_TITLES)) assert.ok(help.includes(`\n${title}:\n`), title);
  });

  it('shows defaults and support, but never a secret default', () => {
    assert.match(helpEntry(help, 'http-address'), /\(default "127\.0\.0\.1:4180"\)/);
    assert.match(helpEntry(help, 'cookie-expire'), /\(default 168h\)/);
    assert.match(helpEntry(help, 'cookie-secure'), /\(default true\)/);
    assert.match(helpEntry(help, 'oidc-audience-claim'), /\(default "aud"\)/);
    const unsupported = ALL.find((o) => o.support === 'no');
    if (unsupported) assert.match(helpEntry(help, unsupported.name), /\[not supported yet\]/);
    assert.doesNotMatch(helpEntry(help, 'session-cookie-minimal'), /\[not supported yet\]/);
    assert.match(helpEntry(help, 'show-debug-on-error'), /\[no effect yet\]/);
    for (const o of ALL.filter((x) => x.secret)) assert.ok(!helpEntry(help, o.name).includes('(default'), o.name);
  });

  it('names the environment variable', () => {
    assert.match(helpEntry(help, 'upstream'), /env OAUTH2_PROXY_UPSTREAMS/);
  });
});

describe('--version', () => {
  it('prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
    assert.match(versionText(), new RegExp(`^oauth2-sidecar v${pkg.version.replace(/\./g, '\\.')} \\(node v[\\d.]+\\)$`));
  });
});

describe('docs/options.md', () => {
  const committed = readFileSync(join(projectRoot(), 'docs', 'options.md'), 'utf8');

  it('matches the option table (regenerate with: node --import tsx scripts/gen-options-doc.ts > docs/options.md)', () => {
    assert.equal(committed, optionsMarkdown());
  });

  it('is exactly what the generator script prints', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join('scripts', 'gen-options-doc.ts')], {
      cwd: projectRoot(),
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, committed);
  });

  it('has one row per option with env var, key and support', () => {
    for (const o of ALL) {
      const row = committed.split('\n').find((l) => l.startsWith(`| \`--${o.name}\` |`));
      assert.ok(row, `--${o.name}`);
      if (o.env !== null) assert.ok(row.includes(`\`${o.env}\``), o.name);
      if (o.key !== null) assert.ok(row.includes(`\`${o.key}\``), o.name);
    }
  });
});
