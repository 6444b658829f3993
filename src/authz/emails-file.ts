// --authenticated-emails-file: one address per line (first CSV column), '#' starts a comment.
import { readFileSync } from 'node:fs';

export function parseEmailsFile(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const first = line.split(',')[0].trim();
    if (first === '' || first.startsWith('#')) continue;
    out.push(first.toLowerCase());
  }
  return out;
}

export function readEmailsFile(path: string): string[] {
  return parseEmailsFile(readFileSync(path, 'utf8'));
}
