// The benchmark's process accounting, on real processes: a parent and its child form one tree, a
// busy process outside the benchmark's own set is reported as contention, one inside it is not.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { contention, cpuBetween, memoryOf, otherCpu, processTree } from '../../bench/lib/proc-stats.js';

/** A node process that burns CPU until killed, after printing its pid and its child's. */
async function startBusyTree(): Promise<{ pid: number; childPid: number; kill(): Promise<void> }> {
  const script = `
    const { spawn } = require('node:child_process');
    const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    console.log(c.pid);
    const spin = () => { const end = Date.now() + 20; while (Date.now() < end); setImmediate(spin); };
    spin();`;
  const p = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(p.stdout!, 'data')) as [Buffer];
  return {
    pid: p.pid!,
    childPid: Number(line.toString().trim()),
    // The grandchild first, by its pid: the parent dies of SIGTERM without a handler of its own.
    kill: async () => {
      const childPid = Number(line.toString().trim());
      try { process.kill(childPid, 'SIGTERM'); } catch { /* already gone */ }
      p.kill('SIGTERM');
      await once(p, 'exit');
    },
  };
}

describe('process accounting', () => {
  it('walks a process tree and sums its memory', async () => {
    const t = await startBusyTree();
    try {
      assert.deepEqual(processTree([t.pid]).sort(), [t.pid, t.childPid].sort());
      const tree = memoryOf(processTree([t.pid]));
      assert.equal(tree.measure, 'pss-sum');
      assert.equal(tree.processes, 2);
      const one = memoryOf([t.pid]);
      assert.equal(one.measure, 'rss');
      assert.ok(one.rssMiB > 10 && one.rssMiB < 500, `a node process's RSS is plausible: ${one.rssMiB}`);
    } finally {
      await t.kill();
    }
  });

  it('reports CPU taken by processes outside the benchmark, and only those', async () => {
    const t = await startBusyTree();
    try {
      const before = otherCpu();
      // On a loaded machine the busy process gets less than a core: wait until it has used some.
      let after = otherCpu();
      const deadline = Date.now() + 20_000;
      while (cpuBetween(before, after, [t.pid]) <= 0.1 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        after = otherCpu();
      }
      assert.ok(cpuBetween(before, after, [t.pid]) > 0.1, 'the busy process used CPU');
      const outside = contention(before, after, new Set([process.pid]));
      assert.ok(outside.otherCpuS > 0.1);
      assert.ok(outside.offenders.some((o) => o.pid === t.pid), 'the busy process is named');
      const inside = contention(before, after, new Set([process.pid, t.pid, t.childPid]));
      assert.ok(!inside.offenders.some((o) => o.pid === t.pid));
    } finally {
      await t.kill();
    }
  });
});
