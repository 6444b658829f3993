// --authenticated-emails-file: one address per line (first CSV column), '#' starts a comment.
// The file is watched and re-read when it changes, as oauth2-proxy does, so the list can be edited
// (or a Kubernetes ConfigMap updated) without a restart.
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export function parseEmailsFile(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const first = (line.split(',')[0] ?? '').trim();
    if (first === '' || first.startsWith('#')) continue;
    out.push(first.toLowerCase());
  }
  return out;
}

export function readEmailsFile(path: string): string[] {
  return parseEmailsFile(readFileSync(path, 'utf8'));
}

export interface EmailsFileWatch {
  close(): void;
}

/**
 * Calls onChange with the new list whenever the file's content changes. The directory is watched
 * rather than the file, because editors and ConfigMap updates replace the file (a rename), which
 * ends a watch on the file itself. A file that cannot be read keeps the last good list.
 */
export function watchEmailsFile(
  path: string,
  handlers: { onChange(emails: string[]): void; onError(err: Error): void },
): EmailsFileWatch {
  let last: string | undefined;
  try {
    last = readFileSync(path, 'utf8');
  } catch {
    last = undefined;
  }
  let reading = false;
  let again = false;
  const name = basename(path);

  async function reload(): Promise<void> {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        let text: string;
        try {
          text = await readFile(path, 'utf8');
        } catch (err) {
          // Mid-replace the file may be briefly absent; the next event brings it back.
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') handlers.onError(err as Error);
          continue;
        }
        if (text === last) continue;
        last = text;
        handlers.onChange(parseEmailsFile(text));
      } while (again);
    } finally {
      reading = false;
    }
  }

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      // ConfigMaps swap a `..data` symlink, so a change of any entry may change what `path` reads.
      if (file === null || file === name || file.startsWith('..')) void reload();
    });
    watcher.on('error', (err) => handlers.onError(err));
  } catch (err) {
    handlers.onError(err as Error);
  }
  return { close: () => watcher?.close() };
}
