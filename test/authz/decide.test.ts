import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePolicy, decide, decideFilters, parseRequestFilters } from '../../src/authz/decide.js';
import { parseEmailsFile } from '../../src/authz/emails-file.js';

describe('email domain rules', () => {
  const cases: Array<[string[], string, boolean]> = [
    [['example.com'], 'alice@example.com', true],
    [['example.com'], 'ALICE@Example.COM', true],
    [['example.com'], 'alice@sub.example.com', false],
    [['example.com'], 'alice@notexample.com', false],
    [['.example.com'], 'alice@sub.example.com', true],
    [['.example.com'], 'alice@example.com', false],
    [['*.example.com'], 'alice@a.b.example.com', true],
    [['*.example.com'], 'alice@example.com', false],
    [['*'], 'anyone@anywhere.org', true],
    [['*'], '', false],
    [['example.com'], 'a@evil.com@example.com', false],
    [['*'], 'a@b@c', false],
    [['example.com'], '@example.com', false],
    [['example.com', 'other.org'], 'bob@other.org', true],
  ];
  for (const [domains, email, allow] of cases) {
    it(`${JSON.stringify(domains)} ${allow ? 'allows' : 'refuses'} ${JSON.stringify(email)}`, () => {
      const d = decide(compilePolicy({ emailDomains: domains, allowedGroups: [] }), { email, groups: [] });
      assert.equal(d.allow, allow);
      if (!allow) assert.ok(d.reasons.length > 0);
    });
  }
});

describe('authenticated emails file and groups', () => {
  it('allows listed emails in addition to domains, case-insensitively', () => {
    const emails = parseEmailsFile('# staff\nCarol@Partner.io\n\ndave@partner.io,Dave\n');
    assert.deepEqual(emails, ['carol@partner.io', 'dave@partner.io']);
    const p = compilePolicy({ emailDomains: ['example.com'], allowedEmails: emails, allowedGroups: [] });
    assert.equal(decide(p, { email: 'carol@partner.io', groups: [] }).allow, true);
    assert.equal(decide(p, { email: 'eve@partner.io', groups: [] }).allow, false);
    assert.equal(decide(p, { email: 'alice@example.com', groups: [] }).allow, true);
  });

  it('requires one of --allowed-group when set', () => {
    const p = compilePolicy({ emailDomains: ['*'], allowedGroups: ['admins', 'ops'] });
    assert.equal(decide(p, { email: 'a@x.io', groups: ['ops'] }).allow, true);
    const d = decide(p, { email: 'a@x.io', groups: ['devs'] });
    assert.equal(d.allow, false);
    assert.match(d.reasons.join(), /allowed-group/);
  });
});

describe('per-request filters', () => {
  it('is absent when the query has none', () => {
    assert.equal(parseRequestFilters(''), undefined);
    assert.equal(parseRequestFilters('a=1&b=2'), undefined);
  });

  const who = { email: 'alice@eng.example.com', groups: ['admins', 'devs'] };
  const cases: Array<[string, boolean]> = [
    ['allowed_groups=admins', true],
    ['allowed_groups=ops,devs', true],
    ['allowed_groups=ops&allowed_groups=qa', false],
    ['allowed_email_domains=eng.example.com', true],
    ['allowed_email_domains=example.com', false],
    ['allowed_email_domains=.example.com', true],
    ['allowed_email_domains=*.example.com', true],
    ['allowed_emails=alice@eng.example.com', true],
    ['allowed_emails=bob@eng.example.com', false],
    ['allowed_groups=admins&allowed_emails=bob@x.io', false],
  ];
  for (const [query, allow] of cases) {
    it(`${query} → ${allow ? 'allow' : 'deny'}`, () => {
      const f = parseRequestFilters(query);
      assert.ok(f);
      assert.equal(decideFilters(f, who).allow, allow);
    });
  }
});
