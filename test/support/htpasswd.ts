// htpasswd fixtures in a temporary directory, with cheap bcrypt (cost 4) so tests stay fast.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';

const aprMd5 = createRequire(import.meta.url)('apache-md5') as (password: string, salt?: string) => string;

export function bcryptLine(user: string, password: string, prefix: '$2a$' | '$2b$' | '$2y$' = '$2y$'): string {
  return `${user}:${bcrypt.hashSync(password, 4).replace(/^\$2[ab]\$/, prefix)}`;
}
export function shaLine(user: string, password: string): string {
  return `${user}:{SHA}${createHash('sha1').update(password).digest('base64')}`;
}
export function apr1Line(user: string, password: string): string {
  return `${user}:${aprMd5(password)}`;
}

export interface HtpasswdFile {
  path: string;
  write(lines: string[]): void;
  remove(): void;
}

export function htpasswdFile(lines: string[]): HtpasswdFile {
  const dir = mkdtempSync(join(tmpdir(), 'sidecar-htpasswd-'));
  const path = join(dir, 'users.htpasswd');
  const write = (l: string[]) => writeFileSync(path, l.join('\n') + '\n');
  write(lines);
  return { path, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
