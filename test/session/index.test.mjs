// Node 20's test runner discovers only .js/.cjs/.mjs files when given a directory, so
// `node --import tsx --test test/session/` lands here and loads the TypeScript tests beside it.
// Naming the .ts files directly (a shell glob) runs them without this file.
import { readdirSync } from 'node:fs';

const dir = new URL('./', import.meta.url);
for (const file of readdirSync(dir).sort()) {
  if (file.endsWith('.test.ts')) await import(new URL(file, dir).href);
}
