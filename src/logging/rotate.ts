// --logging-filename: a log file rotated by size, with oauth2-proxy's (lumberjack's) rules. When a
// write would take the file past the size limit it is renamed to <name>-<time>.<ext> and a new one
// is started; then, in the background, old backups are gzipped (--logging-compress), the oldest
// beyond --logging-max-backups and any older than --logging-max-age days are deleted.
//
// Lines are buffered and written once per event-loop turn, so a burst of requests costs one write.
import { closeSync, createReadStream, createWriteStream, existsSync, fstatSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export interface RotatingFileOptions {
  filename: string;
  maxBytes: number;
  /** Days; 0 keeps backups whatever their age. */
  maxAgeDays: number;
  /** 0 keeps every backup. */
  maxBackups: number;
  compress: boolean;
  /** Local time (true) or UTC in backup names. */
  localTime: boolean;
  now?: () => Date;
  /** Called when the file cannot be written (disk full, permissions); never throws into callers. */
  onError?: (err: Error) => void;
}

export interface RotatingFile {
  write(line: string): void;
  flush(): void;
  close(): void;
  /** Resolves once background compression and clean-up are done (tests, shutdown). */
  idle(): Promise<void>;
}

const BACKUP_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})\.(\d{3})$/;

export function openRotatingFile(opts: RotatingFileOptions): RotatingFile {
  const now = opts.now ?? (() => new Date());
  const dir = dirname(opts.filename);
  const ext = extname(opts.filename);
  const stem = basename(opts.filename, ext);
  let fd = openSync(opts.filename, 'a', 0o640);
  let size = fstatSync(fd).size;
  let buffer: string[] = [];
  let scheduled = false;
  let closed = false;
  let mill: Promise<void> = Promise.resolve();

  const report = (err: unknown) => opts.onError?.(err instanceof Error ? err : new Error(String(err)));

  function backupName(t: Date): string {
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const parts = opts.localTime
      ? [t.getFullYear(), t.getMonth() + 1, t.getDate(), t.getHours(), t.getMinutes(), t.getSeconds(), t.getMilliseconds()]
      : [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds(), t.getUTCMilliseconds()];
    const [y, mo, d, h, mi, s, ms] = parts as [number, number, number, number, number, number, number];
    return join(dir, `${stem}-${y}-${p(mo)}-${p(d)}T${p(h)}-${p(mi)}-${p(s)}.${p(ms, 3)}${ext}`);
  }

  function rotate(): void {
    closeSync(fd);
    let t = now();
    let target = backupName(t);
    // Two rotations within one millisecond must not overwrite each other.
    while (existsSync(target) || existsSync(target + '.gz')) {
      t = new Date(t.getTime() + 1);
      target = backupName(t);
    }
    renameSync(opts.filename, target);
    fd = openSync(opts.filename, 'a', 0o640);
    size = 0;
    mill = mill.then(() => cleanUp()).catch(report);
  }

  function backups(): Array<{ path: string; time: number; compressed: boolean }> {
    const out: Array<{ path: string; time: number; compressed: boolean }> = [];
    for (const name of readdirSync(dir)) {
      const compressed = name.endsWith(ext + '.gz');
      const bare = compressed ? name.slice(0, -3) : name;
      if (!bare.startsWith(stem + '-') || !bare.endsWith(ext)) continue;
      const stamp = BACKUP_TIME.exec(bare.slice(stem.length + 1, bare.length - ext.length));
      if (!stamp) continue;
      const [y, mo, d, h, mi, s, ms] = stamp.slice(1).map(Number) as [number, number, number, number, number, number, number];
      const time = opts.localTime ? new Date(y, mo - 1, d, h, mi, s, ms).getTime() : Date.UTC(y, mo - 1, d, h, mi, s, ms);
      out.push({ path: join(dir, name), time, compressed });
    }
    return out.sort((a, b) => b.time - a.time);
  }

  async function cleanUp(): Promise<void> {
    let list = backups();
    const remove: string[] = [];
    if (opts.maxBackups > 0 && list.length > opts.maxBackups) {
      remove.push(...list.slice(opts.maxBackups).map((b) => b.path));
      list = list.slice(0, opts.maxBackups);
    }
    if (opts.maxAgeDays > 0) {
      const cutoff = now().getTime() - opts.maxAgeDays * 86_400_000;
      for (const b of list) if (b.time < cutoff) remove.push(b.path);
      list = list.filter((b) => b.time >= cutoff);
    }
    for (const path of remove) {
      try { unlinkSync(path); } catch (err) { report(err); }
    }
    if (opts.compress) {
      for (const b of list) {
        if (b.compressed) continue;
        await pipeline(createReadStream(b.path), createGzip(), createWriteStream(b.path + '.gz', { mode: 0o640 }));
        unlinkSync(b.path);
      }
    }
  }

  function flush(): void {
    scheduled = false;
    if (buffer.length === 0 || closed) return;
    const lines = buffer;
    buffer = [];
    try {
      let chunk = '';
      let chunkBytes = 0;
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (size + chunkBytes + bytes > opts.maxBytes && size + chunkBytes > 0) {
          if (chunk !== '') writeSync(fd, chunk);
          size += chunkBytes;
          chunk = '';
          chunkBytes = 0;
          rotate();
        }
        chunk += line;
        chunkBytes += bytes;
      }
      if (chunk !== '') writeSync(fd, chunk);
      size += chunkBytes;
    } catch (err) {
      report(err);
    }
  }

  // Backups left by an earlier run are subject to the same limits.
  mill = mill.then(() => cleanUp()).catch(report);

  return {
    write(line) {
      if (closed) return;
      buffer.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
    close() {
      flush();
      closed = true;
      try { closeSync(fd); } catch { /* already closed */ }
    },
    idle: () => mill,
  };
}
