// Prints docs/options.md: node --import tsx scripts/gen-options-doc.ts > docs/options.md
import { optionsMarkdown } from '../src/config/doc.js';

process.stdout.write(optionsMarkdown());
