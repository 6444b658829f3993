import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { compilePolicy, decide } from '../../src/authz/decide.js';
import { watchEmailsFile } from '../../src/authz/emails-file.js';

describe('authenticated emails file reload', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emails-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Resolves with the next list the watcher reports; fails after a bounded wait instead of hanging. */
  function nextChange(path: string): { changed: Promise<string[]>; close(): void } {
    let close = () => {};
    const changed = new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reload within 5 s')), 5000);
      const w = watchEmailsFile(path, { onChange: (emails) => { clearTimeout(timer); resolve(emails); }, onError: reject });
      close = () => { clearTimeout(timer); w.close(); };
    });
    return { changed, close: () => close() };
  }

  it('picks up an edited file without a restart', async () => {
    const path = join(dir, 'edited.txt');
    writeFileSync(path, 'alice@example.com\n');
    let policy = compilePolicy({ emailDomains: [], allowedEmails: ['alice@example.com'], allowedGroups: [] });
    assert.equal(decide(policy, { email: 'bob@example.com', groups: [] }).allow, false);
    const w = nextChange(path);
    try {
      writeFileSync(path, '# team\nalice@example.com\nBob@Example.com,Bob\n');
      const emails = await w.changed;
      assert.deepEqual(emails, ['alice@example.com', 'bob@example.com']);
      policy = compilePolicy({ emailDomains: [], allowedEmails: emails, allowedGroups: [] });
      assert.equal(decide(policy, { email: 'bob@example.com', groups: [] }).allow, true);
    } finally {
      w.close();
    }
  });

  it('picks up a file replaced by a rename, as editors and ConfigMaps do', async () => {
    const path = join(dir, 'replaced.txt');
    writeFileSync(path, 'alice@example.com\n');
    const w = nextChange(path);
    try {
      writeFileSync(join(dir, 'replaced.tmp'), 'carol@example.com\n');
      renameSync(join(dir, 'replaced.tmp'), path);
      assert.deepEqual(await w.changed, ['carol@example.com']);
    } finally {
      w.close();
    }
  });
});
