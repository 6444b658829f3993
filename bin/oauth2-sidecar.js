#!/usr/bin/env node
// Thin launcher: the compiled entry point does all the work.
import { main } from '../dist/src/main.js';

main(process.argv.slice(2), process.env).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (err) => {
    process.stderr.write(`oauth2-sidecar: fatal: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
