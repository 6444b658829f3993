import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { openRotatingFile } from '../../src/logging/rotate.js';

const line = (i: number) => `line ${String(i).padStart(4, '0')} ${'x'.repeat(40)}\n`; // 51 bytes

function clock(start: number) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => { t += ms; } };
}

describe('rotating log file', () => {
  it('rotates by size into timestamped backups, never splitting a line, and keeps every line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rot-'));
    const c = clock(Date.UTC(2024, 0, 2, 3, 4, 5, 0));
    const f = openRotatingFile({ filename: join(dir, 'proxy.log'), maxBytes: 200, maxAgeDays: 0, maxBackups: 0, compress: false, localTime: false, now: c.now });
    for (let i = 0; i < 20; i++) { f.write(line(i)); c.advance(1); f.flush(); }
    f.close();
    await f.idle();
    const files = readdirSync(dir).sort();
    assert.ok(files.includes('proxy.log'));
    const backups = files.filter((n) => n !== 'proxy.log');
    assert.ok(backups.length >= 4, `backups: ${backups.join(', ')}`);
    for (const b of backups) assert.match(b, /^proxy-2024-01-02T03-04-05\.\d{3}\.log$/);
    let all = '';
    for (const n of [...backups, 'proxy.log']) {
      const text = readFileSync(join(dir, n), 'utf8');
      assert.ok(Buffer.byteLength(text) <= 200, `${n} is within the limit`);
      all += text;
    }
    assert.equal(all, Array.from({ length: 20 }, (_, i) => line(i)).join(''));
  });

  it('keeps at most --logging-max-backups backups (newest), gzips them with --logging-compress', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rot-'));
    const c = clock(Date.UTC(2024, 0, 2, 3, 4, 5, 0));
    const f = openRotatingFile({ filename: join(dir, 'p.log'), maxBytes: 120, maxAgeDays: 0, maxBackups: 2, compress: true, localTime: false, now: c.now });
    for (let i = 0; i < 12; i++) { f.write(line(i)); c.advance(1000); f.flush(); await f.idle(); }
    f.close();
    await f.idle();
    const backups = readdirSync(dir).filter((n) => n !== 'p.log').sort();
    assert.equal(backups.length, 2);
    for (const b of backups) assert.match(b, /\.log\.gz$/);
    // The newest backup holds the lines just before the current file's.
    const newest = gunzipSync(readFileSync(join(dir, backups[1] as string))).toString();
    const current = readFileSync(join(dir, 'p.log'), 'utf8');
    const lines = (newest + current).trim().split('\n');
    assert.match(lines[lines.length - 1] as string, /^line 0011 /);
  });

  it('deletes backups older than --logging-max-age days, including ones left by an earlier run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rot-'));
    const now = Date.UTC(2024, 5, 10, 12, 0, 0, 0);
    writeFileSync(join(dir, 'p-2024-06-01T00-00-00.000.log'), 'old\n');
    writeFileSync(join(dir, 'p-2024-06-09T00-00-00.000.log'), 'recent\n');
    writeFileSync(join(dir, 'unrelated-2024-01-01T00-00-00.000.log'), 'keep\n');
    utimesSync(join(dir, 'p-2024-06-01T00-00-00.000.log'), new Date(now), new Date(now));
    const f = openRotatingFile({ filename: join(dir, 'p.log'), maxBytes: 1000, maxAgeDays: 7, maxBackups: 0, compress: false, localTime: false, now: () => new Date(now) });
    await f.idle();
    f.close();
    assert.deepEqual(readdirSync(dir).sort(), ['p-2024-06-09T00-00-00.000.log', 'p.log', 'unrelated-2024-01-01T00-00-00.000.log']);
  });
});
