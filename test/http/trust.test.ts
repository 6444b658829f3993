import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTrust, normaliseIp } from '../../src/http/trust.js';

describe('trusted proxies', () => {
  it('trusts nobody without --reverse-proxy', () => {
    const t = createTrust({ reverseProxy: false, trustedProxyIps: [], realClientIpHeader: 'X-Real-IP' });
    assert.equal(t.trusts('127.0.0.1'), false);
    assert.equal(t.clientIp('10.0.0.1', { 'x-real-ip': '1.2.3.4' }, false), '10.0.0.1');
  });

  it('trusts every peer with --reverse-proxy and no --trusted-proxy-ip, as oauth2-proxy does', () => {
    const t = createTrust({ reverseProxy: true, trustedProxyIps: [], realClientIpHeader: 'X-Real-IP' });
    assert.equal(t.trusts('203.0.113.9'), true);
  });

  const t = createTrust({ reverseProxy: true, trustedProxyIps: ['10.0.0.0/8', '192.168.1.7', 'fd00::/8'], realClientIpHeader: 'X-Forwarded-For' });
  const cases: Array<[string, boolean]> = [
    ['10.1.2.3', true], ['11.0.0.1', false], ['192.168.1.7', true], ['192.168.1.8', false], ['fd00::1', true], ['::1', false], ['', false], ['garbage', false],
  ];
  for (const [peer, want] of cases) {
    it(`${peer || '(empty)'} is ${want ? '' : 'not '}trusted`, () => assert.equal(t.trusts(peer), want));
  }

  it('reads the real client IP header only from a trusted peer, first hop wins', () => {
    assert.equal(t.clientIp('10.0.0.5', { 'x-forwarded-for': '198.51.100.7, 10.0.0.5' }, true), '198.51.100.7');
    assert.equal(t.clientIp('11.0.0.5', { 'x-forwarded-for': '198.51.100.7' }, false), '11.0.0.5');
    assert.equal(t.clientIp('10.0.0.5', { 'x-forwarded-for': 'not-an-ip' }, true), '10.0.0.5');
  });

  it('shows IPv4-mapped IPv6 peers as IPv4', () => {
    assert.equal(normaliseIp('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normaliseIp('::1'), '::1');
  });
});
