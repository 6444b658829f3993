import { readFileSync } from 'node:fs';

/** Reads a file named by an option, turning the usual failures into a short, safe reason. */
export function readOptionFile(path: string): { text: string } | { why: string } {
  try {
    return { text: readFileSync(path, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (code ?? 'read failed');
    return { why };
  }
}
