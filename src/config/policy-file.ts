// Reading --policy-file: JSON when the name ends in .json, YAML otherwise (YAML also reads JSON).
// Validation reads and compiles it once, reporting every problem together with the rest of the
// configuration, and keeps the compiled table with that Config: the components use exactly the
// table that was validated, even if the file changes in between.
import { createRequire } from 'node:module';
import { compileTable, type RouteTable } from '../policy/compile.js';
import { readOptionFile } from './read-file.js';
import type { Config } from './types.js';

export type LoadResult = { ok: true; table: RouteTable } | { ok: false; problems: string[] };

export function loadRouteTable(path: string): LoadResult {
  const read = readOptionFile(path);
  if ('why' in read) return { ok: false, problems: [`cannot read ${JSON.stringify(path)}: ${read.why}`] };
  const parsed = parseDocument(read.text, path.toLowerCase().endsWith('.json'));
  if ('problem' in parsed) return { ok: false, problems: [`${path}: ${parsed.problem}`] };
  const compiled = compileTable(parsed.doc);
  return compiled.ok ? compiled : { ok: false, problems: compiled.problems.map((p) => `${path}: ${p}`) };
}

function parseDocument(text: string, json: boolean): { doc: unknown } | { problem: string } {
  if (json) {
    try {
      return { doc: JSON.parse(text) };
    } catch (err) {
      return { problem: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  // Loaded only when a policy file is given, so the usual proxy keeps no YAML parser in memory.
  const { parse, YAMLParseError } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  try {
    return { doc: parse(text, { uniqueKeys: true }) };
  } catch (err) {
    // Position and first line only: the rest of the message quotes the file.
    const pos = err instanceof YAMLParseError && err.linePos ? `${err.linePos[0].line}:${err.linePos[0].col}: ` : '';
    const reason = err instanceof Error ? (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '') : 'invalid YAML';
    return { problem: `${pos}invalid YAML: ${reason}` };
  }
}

/** Start-up problems of the three policy options, as [flag, message]. */
export function policyProblems(config: Config): Array<[flag: string, message: string]> {
  const out: Array<[string, string]> = [];
  if (config.policyFile === '') {
    if (config.policyReportOnly) out.push(['policy-report-only', 'needs --policy-file']);
    if (config.policyExplain) out.push(['policy-explain', 'needs --policy-file']);
    return out;
  }
  const loaded = loadRouteTable(config.policyFile);
  if (loaded.ok) tables.set(config, loaded.table);
  else for (const p of loaded.problems) out.push(['policy-file', p]);
  return out;
}

const tables = new WeakMap<Config, RouteTable>();

/** A Config derived from a validated one (one per host) uses the same compiled table. */
export function keepRouteTable(from: Config, to: Config): void {
  const table = tables.get(from);
  if (table !== undefined) tables.set(to, table);
}

/** The route table validation compiled for this Config; undefined without --policy-file. */
export function routeTableOf(config: Config): RouteTable | undefined {
  if (config.policyFile === '') return undefined;
  const table = tables.get(config);
  if (table !== undefined) return table;
  // A Config that did not go through validation (built directly): compile it now, refusing as validation would.
  const loaded = loadRouteTable(config.policyFile);
  if (!loaded.ok) throw new Error(`--policy-file: ${loaded.problems.join('; ')}`);
  tables.set(config, loaded.table);
  return loaded.table;
}
