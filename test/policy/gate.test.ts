// The route table in the pipeline's hands: report-only mode logs a would-be denial and enforces
// nothing; without it, decisions are returned and nothing is logged by the gate itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestScope } from '../../src/http/scope.js';
import type { Log } from '../../src/log.js';
import { compileTable } from '../../src/policy/compile.js';
import { createRoutePolicy } from '../../src/policy/gate.js';

describe('report-only mode', () => {
  const compiled = compileTable({ routes: [{ id: 'admin', path: '/admin/', allow: { groups: ['admins'] } }] });
  assert.ok(compiled.ok);
  const table = compiled.table;
  function capture(): { log: Log; warnings: Array<[string, Record<string, unknown> | undefined]>; auth: unknown[] } {
    const warnings: Array<[string, Record<string, unknown> | undefined]> = [];
    const auth: unknown[] = [];
    const log = { info() {}, warn: (m: string, f?: Record<string, unknown>) => warnings.push([m, f]), error() {}, auth: (e: unknown) => auth.push(e), request() {}, flush() {} } as unknown as Log;
    return { log, warnings, auth };
  }
  const scope = { id: 'rid-1', user: 'bob@example.com', clientIp: '10.0.0.1', host: 'app.example.com' } as unknown as RequestScope;
  const bob = { user: 'bob', email: 'bob@example.com', groups: ['developers'], createdAt: 0, expiresOn: 0 };

  it('logs a would-be denial with rule, reasons and the request, and enforces nothing', () => {
    const c = capture();
    const gate = createRoutePolicy({ table, reportOnly: true, log: c.log });
    assert.equal(gate.decide(scope, { method: 'GET', decoded: '/admin/x', ambiguous: false }, bob), undefined);
    assert.equal(gate.decide(scope, { method: 'GET', decoded: '/other', ambiguous: false }, undefined), undefined);
    assert.deepEqual(c.warnings, [
      ['policy would deny', { request_id: 'rid-1', user: 'bob@example.com', client: '10.0.0.1', method: 'GET', host: 'app.example.com', path: '/admin/x', rule: 'admin', reasons: ['matched routes[0] (admin): user is in none of groups [admins]'] }],
      ['policy would deny', { request_id: 'rid-1', user: 'bob@example.com', client: '10.0.0.1', method: 'GET', host: 'app.example.com', path: '/other', rule: '', reasons: ['no rule matched: denied by default'] }],
    ]);
  });

  it('enforces, and logs nothing by itself, without report-only', () => {
    const c = capture();
    const gate = createRoutePolicy({ table, reportOnly: false, log: c.log });
    assert.equal(gate.decide(scope, { method: 'GET', decoded: '/admin/x', ambiguous: false }, bob)?.effect, 'deny');
    assert.equal(gate.decide(scope, { method: 'GET', decoded: '/admin/x', ambiguous: false }, { ...bob, groups: ['admins'] })?.effect, 'allow');
    assert.deepEqual(c.warnings, []);
    assert.deepEqual(c.auth, []);
  });
});
