import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createSessionTunnels, tunnelKeys } from '../../src/upstream/session-tunnels.js';
import { signValue } from '../../src/session/signed-value.js';
import { encodeTicket, mintTicket } from '../../src/session/ticket.js';
import type { SessionState } from '../../src/session/state.js';

const socket = () => new PassThrough();
// 'close' follows destroy() on a later tick; by setImmediate it has been emitted.
const closed = (s: PassThrough) => new Promise<void>((resolve) => (s.destroyed ? setImmediate(resolve) : s.once('close', () => resolve())));

function idToken(claims: Record<string, unknown>): string {
  return `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
}
const session = (claims: Record<string, unknown>): SessionState =>
  ({ user: 'u', email: 'u@example.com', groups: [], createdAt: 0, expiresOn: 0, idToken: idToken(claims) });

describe('session tunnels', () => {
  it('ends both sockets of the tunnels of one key, and only those', async () => {
    const t = createSessionTunnels();
    const [c1, u1, c2] = [socket(), socket(), socket()];
    t.register(c1, { key: 'k1' }).attach(u1);
    t.register(c2, { key: 'k2' });
    assert.equal(t.endByKey('k1'), 1);
    await Promise.all([closed(c1), closed(u1)]);
    assert.equal(c2.destroyed, false);
    assert.equal(t.size, 1);
    assert.equal(t.endByKey('k1'), 0);
    c2.destroy();
    await closed(c2);
    assert.equal(t.size, 0);
  });

  it('matches by sid when given, else by sub', () => {
    const t = createSessionTunnels();
    const a1 = socket(), a2 = socket(), a3 = socket(), b = socket();
    t.register(a1, { key: '1', sub: 'alice', sid: 's1' });
    t.register(a2, { key: '2', sub: 'alice', sid: 's2' });
    t.register(a3, { key: '3', sub: 'alice' });
    t.register(b, { key: '4', sub: 'bob', sid: 's1x' });
    assert.equal(t.endBySubject({}), 0);
    assert.equal(t.endBySubject({ sid: 's1' }), 1);
    assert.equal(a1.destroyed, true);
    assert.equal(a2.destroyed, false);
    assert.equal(t.endBySubject({ sub: 'alice' }), 2);
    assert.equal(b.destroyed, false);
    assert.equal(t.size, 1);
  });

  it('with a provider id, ends only the tunnels of that provider\'s sessions of the sub', () => {
    const t = createSessionTunnels();
    const corp = socket(), main = socket(), old = socket();
    t.register(corp, { key: '1', sub: 'dee', providerId: 'corp' });
    t.register(main, { key: '2', sub: 'dee', providerId: 'oidc=main' });
    t.register(old, { key: '3', sub: 'dee' });
    assert.equal(t.endBySubject({ sub: 'dee', providerId: 'corp' }), 1);
    assert.equal(corp.destroyed, true);
    assert.equal(main.destroyed, false);
    assert.equal(t.endBySubject({ sub: 'dee' }), 2);
  });

  it('destroys an upstream attached after its session ended', () => {
    const t = createSessionTunnels();
    const hold = t.register(socket(), { key: 'k' });
    t.endByKey('k');
    const late = socket();
    hold.attach(late);
    assert.equal(late.destroyed, true);
  });

  it('ends a tunnel at endsAt, at once when already past, and forgets the timer on close', async () => {
    const t = createSessionTunnels();
    const past = socket();
    t.register(past, { key: 'p', endsAt: Date.now() - 1 });
    assert.equal(past.destroyed, true);
    const soon = socket();
    t.register(soon, { key: 's', endsAt: Date.now() + 30 });
    // The tunnel timers are unref'd: something has to keep this process up while one runs.
    const keepAlive = setTimeout(() => {}, 5_000);
    await closed(soon);
    clearTimeout(keepAlive);
    const later = socket();
    t.register(later, { key: 'l', endsAt: Date.now() + 60_000 });
    later.destroy();
    await closed(later);
    assert.equal(t.size, 0);
  });
});

describe('tunnel keys', () => {
  const secret = 'kS9nG2xV7qL4wP1zR8tY3uB6mC0dF5hJ';
  const name = '_oauth2_proxy';

  it('keys a cookie session by a hash of its value, never the value, with the cookie\'s end', () => {
    const keys = tunnelKeys({ cookieName: name, secret, expireMs: 3_600_000, ticket: false });
    const value = signValue(name, Buffer.from('sealed-session'), secret, 1_700_000_000_000);
    const cookies = new Map([[name, value]]);
    const who = keys.identityOf(cookies, session({ sub: 'alice', sid: 'abc' }))!;
    assert.equal(who.key, keys.keyOf(cookies));
    assert.ok(!who.key.includes(value) && !value.includes(who.key.slice(2)));
    assert.deepEqual({ ...who, key: '' }, { key: '', sub: 'alice', sid: 'abc', endsAt: 1_700_000_000_000 + 3_600_000 });
    assert.notEqual(keys.keyOf(new Map([[name, value + 'x']])), who.key);
    assert.equal(keys.keyOf(new Map()), undefined);
  });

  it('keys a cookie session by its local id when it has one, the same across refreshed cookies', () => {
    const keys = tunnelKeys({ cookieName: '_oauth2_proxy', secret: 'x'.repeat(32), expireMs: 0, ticket: false });
    const named = { ...session({ sub: 'alice' }), localId: 'abc123' };
    const k1 = keys.keyOf(new Map([['_oauth2_proxy', 'first-value']]), named);
    const k2 = keys.keyOf(new Map([['_oauth2_proxy', 'refreshed-value']]), named);
    assert.equal(k1, 'l:abc123');
    assert.equal(k2, k1);
    assert.equal(keys.identityOf(new Map([['_oauth2_proxy', 'first-value']]), named)?.key, 'l:abc123');
    // Without a local id (an older session) the cookie's value is what names it.
    assert.notEqual(keys.keyOf(new Map([['_oauth2_proxy', 'first-value']]), session({ sub: 'alice' })), k1);
  });

  it('keys a Redis session by its ticket id, the same across re-signed cookies', () => {
    const now = Date.now();
    const keys = tunnelKeys({ cookieName: name, secret, expireMs: 3_600_000, ticket: true, now: () => now });
    const t = mintTicket(name);
    const first = signValue(name, Buffer.from(encodeTicket(t)), secret, now - 10_000);
    const resigned = signValue(name, Buffer.from(encodeTicket(t)), secret, now);
    assert.equal(keys.keyOf(new Map([[name, first]])), `t:${t.id}`);
    assert.equal(keys.keyOf(new Map([[name, resigned]])), `t:${t.id}`);
    assert.equal(keys.keyOf(new Map([[name, signValue(name, Buffer.from(encodeTicket(t)), 'another-secret-another-secret-32', now)]])), undefined);
  });
});
