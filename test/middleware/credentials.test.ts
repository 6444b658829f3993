// Which credentials an Authorization header carries.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { readCredentials } from '../../src/middleware/credentials.js';

const req = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';

describe('reading credentials', () => {
  const cases: Array<[string | undefined, ReturnType<typeof readCredentials>]> = [
    [undefined, undefined],
    ['', undefined],
    ['Bearer', undefined],
    ['Bearer ', undefined],
    [`Bearer ${JWT}`, { kind: 'bearer', token: JWT }],
    [`bearer ${JWT}`, { kind: 'bearer', token: JWT }],
    [`Basic ${b64('ann:pw:with:colons')}`, { kind: 'basic', user: 'ann', password: 'pw:with:colons' }],
    [`Basic ${b64('ann')}`, undefined],
    [`Basic ${b64(`${JWT}:x-oauth-basic`)}`, { kind: 'bearer', token: JWT }],
    [`Basic ${b64(`${JWT}:`)}`, { kind: 'bearer', token: JWT }],
    [`Basic ${b64(`x-oauth-basic:${JWT}`)}`, { kind: 'bearer', token: JWT }],
    [`Basic ${b64(`ann:${JWT}`)}`, { kind: 'basic', user: 'ann', password: JWT }],
    [`Digest username="ann"`, undefined],
  ];
  for (const [header, expected] of cases) {
    it(String(header), () => assert.deepEqual(readCredentials(req(header)), expected));
  }
});
