import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

import { loadConfig, type LoadResult } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';

export const CLIENT_SECRET = 'client-secret-value-7f3a';
/** 32 bytes, base64url-encoded, as `openssl rand -base64 32 | tr -- '+/' '-_'` would print. */
export const COOKIE_SECRET = Buffer.alloc(32, 0x5a).toString('base64url');

/** The smallest command line that passes validation. */
export const VALID_ARGS: readonly string[] = [
  '--provider=oidc',
  '--oidc-issuer-url=https://idp.example.com',
  '--client-id=app',
  `--client-secret=${CLIENT_SECRET}`,
  `--cookie-secret=${COOKIE_SECRET}`,
  '--email-domain=*',
];

export function load(argv: readonly string[], env: Record<string, string | undefined> = {}): LoadResult {
  return loadConfig([...argv], env);
}

export function loadOk(argv: readonly string[], env: Record<string, string | undefined> = {}): { config: Config; warnings: string[] } {
  const r = load(argv, env);
  if (!r.ok) assert.fail(`expected a valid configuration, got:\n${r.errors.join('\n')}`);
  return r;
}

export function loadErrors(argv: readonly string[], env: Record<string, string | undefined> = {}): string[] {
  const r = load(argv, env);
  if (r.ok) assert.fail('expected configuration errors, got none');
  return r.errors;
}

/** Asserts one message starts with `--flag:` and (optionally) contains a fragment. */
export function assertHasError(errors: readonly string[], flag: string, fragment?: string | RegExp): void {
  const found = errors.some(
    (e) =>
      e.startsWith(`--${flag}:`) &&
      (fragment === undefined || (typeof fragment === 'string' ? e.includes(fragment) : fragment.test(e))),
  );
  assert.ok(found, `no error for --${flag}${fragment ? ` matching ${String(fragment)}` : ''} in:\n${errors.join('\n')}`);
}

let dir: string | undefined;

/** Writes a throw-away file and returns its path; everything is removed when the process exits. */
export function tmpFile(name: string, content: string): string {
  if (dir === undefined) {
    dir = mkdtempSync(join(tmpdir(), 'oauth2-sidecar-config-'));
    const d = dir;
    process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  }
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
