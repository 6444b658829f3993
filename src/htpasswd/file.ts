// Reading an htpasswd file: `user:hash` lines, `#` comments. The hashes oauth2-proxy accepts
// (bcrypt `$2a$`/`$2b$`/`$2y$`, `{SHA}`) plus Apache's `$apr1$` MD5. Errors name the line, never
// the hash.

export type HashKind = 'bcrypt' | 'sha' | 'apr1';

export interface Entry {
  kind: HashKind;
  hash: string;
}

export interface Parsed {
  users: Map<string, Entry>;
  problems: string[];
  /** The bcrypt cost most entries use, so a dummy check costs what a real one does. */
  bcryptCost: number;
}

const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const SHA = /^\{SHA\}[A-Za-z0-9+/]{27}=$/;
const APR1 = /^\$apr1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}$/;

export function parseHtpasswd(text: string): Parsed {
  const users = new Map<string, Entry>();
  const problems: string[] = [];
  const costs = new Map<number, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push(`line ${i + 1}: expected user:hash`);
      continue;
    }
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    let kind: HashKind;
    const b = BCRYPT.exec(hash);
    if (b) {
      kind = 'bcrypt';
      const cost = Number(b[1]);
      costs.set(cost, (costs.get(cost) ?? 0) + 1);
    } else if (SHA.test(hash)) {
      kind = 'sha';
    } else if (APR1.test(hash)) {
      kind = 'apr1';
    } else {
      problems.push(`line ${i + 1} (user ${JSON.stringify(user)}): unsupported or malformed hash; use bcrypt (htpasswd -B), {SHA} or $apr1$`);
      continue;
    }
    if (users.has(user)) problems.push(`line ${i + 1}: user ${JSON.stringify(user)} appears more than once; the last entry wins`);
    users.set(user, { kind, hash });
  }
  let bcryptCost = 10;
  let seen = 0;
  for (const [cost, n] of costs) if (n > seen) [bcryptCost, seen] = [cost, n];
  return { users, problems, bcryptCost };
}

/** Problems that make a file unusable (duplicates only warn). */
export function fatalProblems(p: Parsed): string[] {
  return p.problems.filter((m) => !m.includes('appears more than once'));
}
