// The certificate of an HTTPS listener, read from files and followed as they change. cert-manager
// and Kubernetes secret volumes replace the files (often by swapping a symlink), so the directories
// are watched, with a slow poll as a safety net for file systems that send no events. A new pair
// is checked before it is used; a broken or half-written pair keeps the old one in service.
import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  minVersion: 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher string; undefined keeps the runtime defaults. */
  ciphers?: string;
}

export interface TlsMaterial {
  options: SecureContextOptions;
  /** Changes when the files' content changes. */
  fingerprint: string;
}

/** Reads and checks the pair; throws with a reason that names the file, never its content. */
export function loadTlsMaterial(files: TlsFiles): TlsMaterial {
  let cert: Buffer;
  let key: Buffer;
  try { cert = readFileSync(files.certFile); } catch (err) { throw new Error(`cannot read certificate ${JSON.stringify(files.certFile)}: ${(err as NodeJS.ErrnoException).code ?? 'read failed'}`); }
  try { key = readFileSync(files.keyFile); } catch (err) { throw new Error(`cannot read private key ${JSON.stringify(files.keyFile)}: ${(err as NodeJS.ErrnoException).code ?? 'read failed'}`); }
  const options: SecureContextOptions = { cert, key, minVersion: files.minVersion, ...(files.ciphers ? { ciphers: files.ciphers } : {}) };
  try {
    createSecureContext(options);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : 'invalid';
    throw new Error(`certificate ${JSON.stringify(files.certFile)} and key ${JSON.stringify(files.keyFile)} are not a usable pair: ${reason}`);
  }
  const fingerprint = createHash('sha256').update(cert).update('\0').update(key).digest('hex');
  return { options, fingerprint };
}

export interface CertificateWatcher {
  close(): void;
}

/**
 * Calls `apply` with each new valid pair, `onInvalid` when the files changed into something that
 * cannot be used. Events are debounced, since a rotation writes two files.
 */
export function watchTlsFiles(
  files: TlsFiles,
  current: TlsMaterial,
  handlers: { apply(m: TlsMaterial): void; onInvalid(reason: string): void },
  opts: { debounceMs?: number; pollMs?: number } = {},
): CertificateWatcher {
  let fingerprint = current.fingerprint;
  let lastError = '';
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    timer = undefined;
    let next: TlsMaterial;
    try {
      next = loadTlsMaterial(files);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (reason !== lastError) handlers.onInvalid(reason);
      lastError = reason;
      return;
    }
    lastError = '';
    if (next.fingerprint === fingerprint) return;
    fingerprint = next.fingerprint;
    handlers.apply(next);
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(check, opts.debounceMs ?? 100);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const dir of new Set([dirname(files.certFile), dirname(files.keyFile)])) {
    try {
      const w = watch(dir, { persistent: false }, schedule);
      w.on('error', () => { /* the poll below still notices changes */ });
      watchers.push(w);
    } catch {
      // A directory that cannot be watched is still polled.
    }
  }
  const poll = setInterval(check, opts.pollMs ?? 30_000);
  poll.unref();
  return {
    close() {
      for (const w of watchers) w.close();
      clearInterval(poll);
      if (timer) clearTimeout(timer);
    },
  };
}
