// Loads --custom-templates-dir once at start-up. Like oauth2-proxy, sign_in.html is read before
// error.html into one namespace, and either file may be absent; the built-in page then serves.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TemplateError, TemplateSet } from './gotemplate/index.js';

export const SIGN_IN_TEMPLATE = 'sign_in.html';
export const ERROR_TEMPLATE = 'error.html';

const OPTION = '--custom-templates-dir';

/** Returns null when no directory is configured. Throws naming the option, the file and the line. */
export function loadCustomTemplates(dir: string): TemplateSet | null {
  if (dir === '') return null;
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    throw new Error(`${OPTION}: cannot read ${JSON.stringify(dir)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!isDir) throw new Error(`${OPTION}: ${JSON.stringify(dir)} is not a directory`);

  const set = new TemplateSet();
  for (const name of [SIGN_IN_TEMPLATE, ERROR_TEMPLATE]) {
    const file = join(dir, name);
    let source: string;
    try {
      if (!statSync(file).isFile()) throw new Error(`${OPTION}: ${file} is not a regular file`);
      source = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      if ((err as Error).message.startsWith(OPTION)) throw err;
      throw new Error(`${OPTION}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    try {
      set.add(name, source, file);
    } catch (err) {
      throw err instanceof TemplateError ? new Error(`${OPTION}: ${err.message}`, { cause: err }) : err;
    }
  }
  try {
    set.verify();
  } catch (err) {
    throw err instanceof TemplateError
      ? new Error(`${OPTION}: ${err.message} (built-in pages cannot be included from custom templates)`, { cause: err })
      : err;
  }
  return set;
}
