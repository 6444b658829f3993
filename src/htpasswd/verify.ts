// Password checks against the htpasswd file, made safe to run on every request:
//   - a successful check is remembered for a short while under an HMAC of user and password, so
//     bcrypt (tens of milliseconds) is paid once, not per request, and no password is kept;
//   - an unknown user is checked against a dummy bcrypt hash of the file's usual cost, so a wrong
//     user name takes as long as a wrong password;
//   - every comparison is constant-time;
//   - failures are counted per client address and per user name in bounded LRU windows; past the
//     limit, attempts are refused without checking;
//   - the file is re-read when it changes (checked at most every couple of seconds, on use), and a
//     broken new version is reported and ignored rather than locking everyone out.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import bcrypt from 'bcryptjs';
import { LRUCache } from 'lru-cache';
import { fatalProblems, parseHtpasswd, type Entry, type HashKind } from './file.js';

// apache-md5 is CommonJS whose typings claim an ES default export; load it the CommonJS way.
const aprMd5 = createRequire(import.meta.url)('apache-md5') as (password: string, salt?: string) => string;

export interface HtpasswdOptions {
  path: string;
  /** How long a successful check is remembered; default 60 s. */
  cacheTtlMs?: number;
  /** Minimum time between checks of the file for changes; default 2 s. */
  reloadCheckMs?: number;
  /** Failed attempts allowed per user name per window; default 10. */
  maxFailuresPerUser?: number;
  /** Failed attempts allowed per client address per window; default 30. */
  maxFailuresPerClient?: number;
  /** Default 5 minutes. */
  failureWindowMs?: number;
  now?: () => number;
  onReload?: (users: number) => void;
  onReloadError?: (problems: string[]) => void;
}

export type CheckResult =
  | { ok: true; cached: boolean }
  | { ok: false; reason: 'invalid' | 'rate_limited'; checked?: HashKind };

export interface Htpasswd {
  check(user: string, password: string, client: string): Promise<CheckResult>;
  userCount(): number;
}

interface Version {
  users: Map<string, Entry>;
  dummy: Entry;
  stamp: string;
}

export function loadHtpasswd(opts: HtpasswdOptions): Htpasswd {
  const now = opts.now ?? Date.now;
  const cacheTtl = opts.cacheTtlMs ?? 60_000;
  const reloadEvery = opts.reloadCheckMs ?? 2_000;
  const window = opts.failureWindowMs ?? 5 * 60_000;
  const maxUser = opts.maxFailuresPerUser ?? 10;
  const maxClient = opts.maxFailuresPerClient ?? 30;
  const key = randomBytes(32);

  const first = read(undefined);
  if (first === undefined) throw new Error(`cannot read ${opts.path}`);
  let current: Version = first;
  let lastStat = now();

  const verified = new LRUCache<string, true>({ max: 10_000, ttl: cacheTtl, ttlAutopurge: false });
  const userFailures = new LRUCache<string, { n: number; since: number }>({ max: 10_000 });
  const clientFailures = new LRUCache<string, { n: number; since: number }>({ max: 10_000 });

  function stampOf(): string {
    const st = statSync(opts.path);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  }

  function read(prev: Version | undefined): Version | undefined {
    const stamp = stampOf();
    if (prev && prev.stamp === stamp) return prev;
    const parsed = parseHtpasswd(readFileSync(opts.path, 'utf8'));
    const fatal = fatalProblems(parsed);
    if (fatal.length > 0) {
      if (prev === undefined) throw new Error(fatal.join('; '));
      opts.onReloadError?.(fatal);
      // Keep serving the last good file, but do not re-read the broken one on every request.
      return { ...prev, stamp };
    }
    const dummy = dummyEntry(parsed.users, parsed.bcryptCost);
    if (prev !== undefined) opts.onReload?.(parsed.users.size);
    return { users: parsed.users, dummy, stamp };
  }

  function maybeReload(): void {
    const t = now();
    if (t - lastStat < reloadEvery) return;
    lastStat = t;
    try {
      const next = read(current);
      if (next !== current) {
        current = next!;
        verified.clear();
      }
    } catch (err) {
      opts.onReloadError?.([err instanceof Error ? err.message : String(err)]);
    }
  }

  function overLimit(map: LRUCache<string, { n: number; since: number }>, k: string, max: number, t: number): boolean {
    const e = map.get(k);
    return e !== undefined && t - e.since < window && e.n >= max;
  }

  function countFailure(map: LRUCache<string, { n: number; since: number }>, k: string, t: number): void {
    const e = map.get(k);
    if (e === undefined || t - e.since >= window) map.set(k, { n: 1, since: t });
    else e.n++;
  }

  return {
    userCount: () => current.users.size,
    async check(user, password, client) {
      maybeReload();
      const t = now();
      const id = createHmac('sha256', key).update(user).update('\0').update(password).digest('base64url');
      if (verified.get(id) === true) return { ok: true, cached: true };
      if (overLimit(clientFailures, client, maxClient, t) || overLimit(userFailures, user, maxUser, t)) {
        return { ok: false, reason: 'rate_limited' };
      }
      const version = current;
      const entry = version.users.get(user);
      const target = entry ?? version.dummy;
      const match = await matches(target, password);
      if (match && entry !== undefined) {
        verified.set(id, true);
        userFailures.delete(user);
        return { ok: true, cached: false };
      }
      countFailure(clientFailures, client, t);
      countFailure(userFailures, user, t);
      return { ok: false, reason: 'invalid', checked: target.kind };
    },
  };
}

/** An entry nobody can match, of the kind most users have, so an unknown name costs what a known one does. */
function dummyEntry(users: Map<string, Entry>, bcryptCost: number): Entry {
  const counts = { bcrypt: 0, sha: 0, apr1: 0 };
  for (const e of users.values()) counts[e.kind]++;
  const secret = randomBytes(12).toString('base64');
  if (counts.sha > counts.bcrypt && counts.sha >= counts.apr1) return { kind: 'sha', hash: '{SHA}' + createHash('sha1').update(secret).digest('base64') };
  if (counts.apr1 > counts.bcrypt) return { kind: 'apr1', hash: aprMd5(secret) };
  return { kind: 'bcrypt', hash: bcrypt.hashSync(secret, bcryptCost) };
}

async function matches(entry: Entry, password: string): Promise<boolean> {
  switch (entry.kind) {
    case 'bcrypt':
      // bcryptjs compares in constant time and yields to the event loop while it works.
      return bcrypt.compare(password, entry.hash);
    case 'sha':
      return sameBytes(Buffer.from(createHash('sha1').update(password, 'utf8').digest('base64')), Buffer.from(entry.hash.slice(5)));
    case 'apr1':
      return sameBytes(Buffer.from(aprMd5(password, entry.hash)), Buffer.from(entry.hash));
  }
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
