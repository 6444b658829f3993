// Micro benchmarks of the per-request work: session cookie decode, header strip/inject, redirect
// validation, skip-auth rule matching, path normalisation and the request scope.
//
//   npx tsc -p tsconfig.json && node dist/bench/micro/run.js            # all cases, writes results
//   node dist/bench/micro/run.js chunked                                # only cases whose name contains "chunked"
//   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/micro/run.js "strip + inject"
//
// A full run takes about 30 s and writes bench/results/micro.md and micro.json; a filtered run
// only prints, so a partial run never replaces the full table. BENCH_BATCH_MS, BENCH_WARMUP_MS
// and BENCH_BATCHES change the timing; the figures are medians of the batches.
//
// Numbers are only comparable on the same machine and Node version: close other heavy work first,
// and treat differences under ~10% (or within the spread column) as noise.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildCases } from './cases.js';
import { markdownTable, measure, sinkSeen, type Result, type Timing } from './harness.js';

function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

async function main(): Promise<void> {
  const filter = process.argv[2];
  const timing: Timing = {
    warmupMs: envNumber('BENCH_WARMUP_MS', 250),
    batchMs: envNumber('BENCH_BATCH_MS', 100),
    batches: envNumber('BENCH_BATCHES', 5),
  };
  const groups = await buildCases();
  const results: (Result & { group: string })[] = [];
  const started = Date.now();
  for (const { group, cases } of groups) {
    for (const c of cases) {
      if (filter !== undefined && !c.name.includes(filter)) continue;
      const r = await measure(c, timing);
      results.push({ group, ...r });
      process.stderr.write(`  ${r.name}: ${r.nsPerOp.toFixed(1)} ns/op\n`);
    }
  }
  if (results.length === 0) throw new Error(`no case name contains ${JSON.stringify(filter)}`);

  const table = markdownTable(results);
  const cpu = cpus()[0]?.model.trim() ?? 'unknown';
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpu,
    cpus: cpus().length,
    platform: `${process.platform}/${process.arch}`,
    timing,
    durationSec: Math.round((Date.now() - started) / 100) / 10,
    // Above the CPU count, other processes competed for the cores and the wall-clock figures suffer.
    loadAverage1m: Math.round(loadavg()[0] * 10) / 10,
  };
  console.log(table);
  console.log(`\n${meta.date} · Node ${meta.node} · ${cpu} (${meta.cpus} CPUs) · load ${meta.loadAverage1m} · ${meta.durationSec} s (sink ${sinkSeen() > 0 ? 'ok' : 'empty'})`);
  if (filter !== undefined) return;

  const dir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const md = [
    '# Micro benchmarks',
    '',
    `- date: ${meta.date}`,
    `- node: ${meta.node}`,
    `- cpu: ${cpu} (${meta.cpus} CPUs), ${meta.platform}; 1-minute load average at the end: ${meta.loadAverage1m}`,
    `- method: ${timing.warmupMs} ms warm-up, median of ${timing.batches} batches of ~${timing.batchMs} ms; spread = half of (max - min) / median; ops/s and ns/op from the wall clock, cpu ns/op from process CPU time (lower when the machine was busy with other work)`,
    '',
    table,
    '',
  ].join('\n');
  writeFileSync(dir + 'micro.md', md);
  writeFileSync(dir + 'micro.json', JSON.stringify({ ...meta, results }, null, 2) + '\n');
  console.log(`written: ${dir}micro.md, ${dir}micro.json`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
