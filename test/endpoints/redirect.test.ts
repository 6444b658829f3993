import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRedirectValidator,
  getRedirect,
  parseHttpUrlHost,
  splitHostPort,
  type RedirectFacts,
} from '../../src/endpoints/redirect.js';
import { fixture } from '../support/paths.js';

// oauth2-proxy's validator test whitelist.
const WHITELIST = [
  'foo.bar',
  '.bar.foo',
  'port.bar:8080',
  '.sub.port.bar:8080',
  'anyport.bar:*',
  '.sub.anyport.bar:*',
  'www.whitelisteddomain.tld',
  '*.wildcard.sub.port.bar:8080',
  '*.wildcard.sub.anyport.bar:*',
  '*.wildcard.bar',
  '*.wildcard.proxy.foo.bar',
];
const isValid = createRedirectValidator(WHITELIST);

// [name, input, valid]
const VALIDATOR_TABLE: Array<[string, string, boolean]> = [
  ['No Redirect', '', false],
  ['Single Slash', '/redirect', true],
  ['Double Slash', '//redirect', false],
  ['Valid HTTP', 'http://foo.bar/redirect', true],
  ['Valid HTTPS', 'https://foo.bar/redirect', true],
  ['Invalid HTTP subdomain', 'http://baz.foo.bar/redirect', false],
  ['Invalid HTTPS subdomain', 'https://baz.foo.bar/redirect', false],
  ['Valid HTTP subdomain', 'http://baz.bar.foo/redirect', true],
  ['Valid HTTPS subdomain', 'https://baz.bar.foo/redirect', true],
  ['Valid HTTP Domain', 'http://bar.foo/redirect', true],
  ['Invalid HTTP Similar Domain', 'http://foo.bar.evil.corp/redirect', false],
  ['Invalid HTTPS Similar Domain', 'https://foo.bar.evil.corp/redirect', false],
  ['Invalid HTTP RD Parameter', 'http://evil.corp/redirect?rd=foo.bar', false],
  ['Invalid HTTPS RD Parameter', 'https://evil.corp/redirect?rd=foo.bar', false],
  ['Invalid Port and Domain', 'https://evil.corp:3838/redirect', false],
  ['Invalid Port on Allowed Domain', 'http://foo.bar:3838/redirect', false],
  ['Invalid Port on Allowed Subdomain', 'http://baz.bar.foo:3838/redirect', false],
  ['Valid Specified Port and Domain', 'http://port.bar:8080/redirect', true],
  ['Invalid Specified Port and Domain', 'http://port.bar:3838/redirect', false],
  ['Valid Specified Port and Subdomain', 'http://foo.sub.port.bar:8080/redirect', true],
  ['Invalid Specified Port andSubdomain', 'http://foo.subport.bar:3838/redirect', false],
  ['Valid Any Port, Specified Domain', 'http://anyport.bar:8080/redirect', true],
  ['Valid Different Any Port, Specified Domain', 'http://anyport.bar:8081/redirect', true],
  ['Valid Any Port, Specified Subdomain', 'http://a.sub.anyport.bar:8080/redirect', true],
  ['Valid Different Any Port, Specified Subdomain', 'http://a.sub.anyport.bar:8081/redirect', true],
  ['Escape Double Slash', '/\\evil.com', false],
  ['Space Single Slash', '/ /evil.com', false],
  ['Space Double Slash', '/ \\evil.com', false],
  ['Tab Single Slash', '/\t/evil.com', false],
  ['Tab Double Slash', '/\t\\evil.com', false],
  ['Vertical Tab Single Slash', '/\v/evil.com', false],
  ['Vertiacl Tab Double Slash', '/\v\\evil.com', false],
  ['New Line Single Slash', '/\n/evil.com', false],
  ['New Line Double Slash', '/\n\\evil.com', false],
  ['Carriage Return Single Slash', '/\r/evil.com', false],
  ['Carriage Return Double Slash', '/\r\\evil.com', false],
  ['Double Tab', '/\t/\t\\evil.com', false],
  ['Triple Tab 1', '/\t\t/\t/evil.com', false],
  ['Triple Tab 2', '/\t\t\\\t/evil.com', false],
  ['Quad Tab 1', '/\t\t/\t\t\\evil.com', false],
  ['Quad Tab 2', '/\t\t\\\t\t/evil.com', false],
  ['Relative Path', '/./\\evil.com', false],
  ['Relative Subpath', '/./../../\\evil.com', false],
  ['Valid HTTP Wildcard Subdomain', 'http://foo.wildcard.bar/redirect', true],
  ['Valid HTTPS Wildcard Subdomain', 'https://foo.wildcard.bar/redirect', true],
  ['Valid HTTP Wildcard Subdomain Root', 'http://wildcard.bar/redirect', true],
  ['Valid HTTPS Wildcard Subdomain Root', 'https://wildcard.bar/redirect', true],
  ['Valid HTTP Wildcard Subdomain anyport', 'http://foo.wildcard.sub.anyport.bar:4242/redirect', true],
  ['Valid HTTPS Wildcard Subdomain anyport', 'https://foo.wildcard.sub.anyport.bar:4242/redirect', true],
  ['Valid HTTP Wildcard Subdomain Anyport Root', 'http://wildcard.sub.anyport.bar:4242/redirect', true],
  ['Valid HTTPS Wildcard Subdomain Anyport Root', 'https://wildcard.sub.anyport.bar:4242/redirect', true],
  ['Valid HTTP Wildcard Subdomain Defined Port', 'http://foo.wildcard.sub.port.bar:8080/redirect', true],
  ['Valid HTTPS Wildcard Subdomain Defined Port', 'https://foo.wildcard.sub.port.bar:8080/redirect', true],
  ['Valid HTTP Wildcard Subdomain Defined Port Root', 'http://wildcard.sub.port.bar:8080/redirect', true],
  ['Valid HTTPS Wildcard Subdomain Defined Port Root', 'https://wildcard.sub.port.bar:8080/redirect', true],
  ['Missing Protocol Root Domain', 'foo.bar/redirect', false],
  ['Missing Protocol Wildcard Subdomain', 'proxy.wildcard.bar/redirect', false],
];

describe('redirect validation: oauth2-proxy table', () => {
  it('has all 57 rows', () => assert.equal(VALIDATOR_TABLE.length, 57));
  for (const [name, input, valid] of VALIDATOR_TABLE) {
    it(`${name}: ${JSON.stringify(input)} → ${valid ? 'valid' : 'invalid'}`, () => {
      assert.equal(isValid(input), valid);
    });
  }
});

describe('redirect validation: further cases', () => {
  const cases: Array<[string, string, boolean]> = [
    ['a query holding // is refused, as the rule applies to the whole string', '/p?next=//evil.com', false],
    ['a query without slash pairs is fine', '/foo?bar', true],
    ['dot segments are refused', '/a/../b', false],
    ['a trailing dot segment is refused', '/a/.\\', false],
    ['a lone slash is valid', '/', true],
    ['an explicit default port is not the same as no port', 'https://foo.bar:443/', false],
    ['an empty port after the colon counts as no port', 'https://foo.bar:/redirect', true],
    ['host comparison is case-sensitive', 'http://FOO.bar/redirect', false],
    ['the scheme prefix is case-sensitive', 'HTTP://foo.bar/redirect', false],
    ['no authority at all', 'https:foo.bar', false],
    ['protocol-relative', '//foo.bar/redirect', false],
    ['userinfo before an allowed host reaches that host', 'https://evil.com@foo.bar/x', true],
    ['an allowed name as userinfo does not help', 'https://foo.bar@evil.com/x', false],
    ['backslash is not a path separator in Go, and not a host character', 'https://foo.bar\\@evil.com/', false],
    ['bad escape in the path', 'https://foo.bar/%zz', false],
    ['truncated escape in the path', 'https://foo.bar/%4', false],
    ['bad escape in the fragment', 'https://foo.bar/#%zz', false],
    ['the query is not escape-checked', 'https://foo.bar/?q=%zz', true],
    ['escaped ASCII in a host', 'https://foo%2Ebar/', false],
    ['a non-numeric port', 'https://foo.bar:80a/', false],
    ['two ports', 'http://anyport.bar:80:80/', false],
    ['a tab in an absolute URL', 'https://foo.bar/\tx', false],
    ['a DEL byte in the fragment', 'https://foo.bar/#\x7f', false],
    ['a space in the host', 'https://foo.bar /', false],
    ['a bracket inside the host', 'https://foo[.bar/', false],
    ['an IPv4 address in brackets', 'http://[1.2.3.4]/', false],
    ['invalid userinfo characters', 'https://a b@foo.bar/', false],
    ['a fragment ends the host', 'https://foo.bar#@evil.com', true],
    ['a query ends the host', 'https://evil.com?@foo.bar/', false],
    ['a look-alike suffix without the dot', 'https://xwildcard.bar/', false],
    ['javascript scheme', 'javascript:alert(1)', false],
  ];
  for (const [name, input, valid] of cases) {
    it(`${name}: ${JSON.stringify(input)}`, () => assert.equal(isValid(input), valid));
  }

  it('matches bracketed IPv6 entries', () => {
    const v = createRedirectValidator(['[::1]:8443', '[fe80::1]']);
    assert.equal(v('https://[::1]:8443/x'), true);
    assert.equal(v('https://[::1]/x'), false);
    assert.equal(v('https://[fe80::1]/x'), true);
    assert.equal(v('https://[fe80::1%25en0]/x'), false);
    assert.equal(v('https://[::1/x'), false);
  });

  it('compares non-ASCII hosts as UTF-8 bytes, raw or percent-escaped', () => {
    const v = createRedirectValidator(['bücher.example']);
    assert.equal(v('https://bücher.example/'), true);
    assert.equal(v('https://b%C3%BCcher.example/'), true);
    assert.equal(v('https://b%c3%bccher.example/'), true);
    assert.equal(v('https://bucher.example/'), false);
  });

  it('refuses every absolute URL when no domain is whitelisted, and skips empty entries', () => {
    assert.equal(createRedirectValidator([])('https://foo.bar/'), false);
    assert.equal(createRedirectValidator([])('/ok'), true);
    const v = createRedirectValidator(['', '.', '*.', ':8080', '[]']);
    assert.equal(v('http:///x'), false);
    assert.equal(v('http://:8080/x'), false);
  });

  it('never throws on odd input', () => {
    const v = createRedirectValidator(WHITELIST);
    for (const s of ['http://', 'https://', 'http://@', 'http://[', 'http://[]', 'http://%', '/\uD800', 'https://\uD800/']) {
      assert.equal(typeof v(s), 'boolean');
    }
    assert.equal(v(undefined as unknown as string), false);
  });
});

describe('parseHttpUrlHost', () => {
  const table: Array<[string, { hostname: string; port: string } | undefined]> = [
    ['https://foo.bar/x', { hostname: 'foo.bar', port: '' }],
    ['http://u:p@Foo.Bar:8080/x?y#z', { hostname: 'Foo.Bar', port: '8080' }],
    ['https://foo.bar:', { hostname: 'foo.bar', port: '' }],
    ['https://[::1]:9/', { hostname: '::1', port: '9' }],
    ['https://[fe80::1%25en0]/', { hostname: 'fe80::1%en0', port: '' }],
    ['https://a%C3%A9b/', { hostname: 'a\xc3\xa9b', port: '' }],
    ['https://a%25b/', { hostname: 'a%b', port: '' }],
    ['https://XY>@foo.bar/', undefined],
    ['https://foo.bar:8080:1/', undefined],
    ['ftp://foo.bar/', undefined],
  ];
  for (const [input, expected] of table) {
    it(JSON.stringify(input), () => assert.deepEqual(parseHttpUrlHost(input), expected));
  }
});

describe('splitHostPort (whitelist entries)', () => {
  const table: Array<[string, string, string]> = [
    ['foo.bar', 'foo.bar', ''],
    ['foo.bar:8080', 'foo.bar', '8080'],
    ['foo.bar:808a', 'foo.bar:808a', ''],
    ['foo.bar:*', 'foo.bar', '*'],
    ['[foo.bar]', 'foo.bar', ''],
  ];
  for (const [input, host, port] of table) {
    it(`${input} → ${JSON.stringify(host)} ${JSON.stringify(port)}`, () => {
      assert.deepEqual(splitHostPort(input), { host, port });
    });
  }
  it('keeps brackets around an IPv6 entry with a port apart from the port', () => {
    assert.deepEqual(splitHostPort('[::1]:8080'), { host: '::1', port: '8080' });
  });
});

describe('getRedirect', () => {
  const acceptAll = (): boolean => true;
  const base = { proxyPrefix: '/oauth2', trustedForwarded: false, scheme: 'https' as const };
  const rows: Array<{ name: string; facts: RedirectFacts; expected: string; validator?: (s: string) => boolean }> = [
    { name: 'request path', facts: { ...base, host: 'oauth.example.com', requestUri: '/foo/bar' }, expected: '/foo/bar' },
    { name: 'request path with query', facts: { ...base, host: 'oauth.example.com', requestUri: '/foo?bar' }, expected: '/foo?bar' },
    {
      name: 'proxy prefix path',
      facts: { ...base, host: 'oauth.example.com', requestUri: '/oauth2/foo/bar' },
      expected: '/',
    },
    {
      name: 'forwarded headers, trusted',
      facts: {
        ...base,
        trustedForwarded: true,
        host: 'oauth.example.com',
        requestUri: '/foo/bar',
        forwardedProto: 'https',
        forwardedHost: 'a-service.example.com',
        forwardedUri: '/foo/bar',
      },
      expected: 'https://a-service.example.com/foo/bar',
    },
    {
      name: 'forwarded headers, not trusted',
      facts: {
        ...base,
        host: 'oauth.example.com',
        requestUri: '/foo?bar',
        forwardedProto: 'https',
        forwardedHost: 'a-service.example.com',
        forwardedUri: '/foo/bar',
      },
      expected: '/foo?bar',
    },
    {
      name: 'forwarded URI under the proxy prefix',
      facts: {
        ...base,
        trustedForwarded: true,
        host: 'oauth.example.com',
        requestUri: '/oauth2/foo/bar',
        forwardedProto: 'https',
        forwardedHost: 'a-service.example.com',
        forwardedUri: '/oauth2/foo/bar',
      },
      expected: 'https://a-service.example.com/',
    },
    {
      name: 'forwarded host with port, URI under the proxy prefix',
      facts: {
        ...base,
        trustedForwarded: true,
        host: 'oauth.example.com',
        requestUri: '/oauth2/foo/bar',
        forwardedProto: 'https',
        forwardedHost: 'a-service.example.com:8443',
        forwardedUri: '/oauth2/foo/bar',
      },
      expected: 'https://a-service.example.com:8443/',
    },
    {
      name: 'forwarded host without forwarded URI',
      facts: {
        ...base,
        trustedForwarded: true,
        host: 'oauth.example.com',
        requestUri: '/foo?bar',
        forwardedProto: 'https',
        forwardedHost: 'a-service.example.com',
      },
      expected: 'https://a-service.example.com/foo?bar',
    },
    {
      name: 'trusted, no forwarded headers',
      facts: { ...base, trustedForwarded: true, host: 'oauth.example.com', requestUri: '/foo?bar' },
      expected: '/foo?bar',
    },
    {
      name: 'X-Auth-Request-Redirect',
      facts: {
        ...base,
        trustedForwarded: true,
        host: 'oauth.example.com',
        requestUri: '/foo/bar',
        redirectHeader: 'https://a-service.example.com/foo/bar',
      },
      expected: 'https://a-service.example.com/foo/bar',
    },
    {
      name: 'rd parameter',
      facts: {
        ...base,
        host: 'oauth.example.com',
        requestUri: '/foo/bar?rd=https%3A%2F%2Fa%2Dservice%2Eexample%2Ecom%2Ffoo%2Fbar',
        rd: 'https://a-service.example.com/foo/bar',
      },
      expected: 'https://a-service.example.com/foo/bar',
    },
    {
      name: 'rd wins over the header and untrusted forwarded headers',
      facts: {
        ...base,
        host: 'oauth.example.com',
        requestUri: '/foo/bar?rd=https%3A%2F%2Fa%2Dservice%2Eexample%2Ecom%2Ffoo%2Fjazz',
        rd: 'https://a-service.example.com/foo/jazz',
        redirectHeader: 'https://a-service.example.com/foo/baz',
        forwardedProto: 'http',
        forwardedHost: 'another-service.example.com',
        forwardedUri: '/seasons/greetings',
      },
      expected: 'https://a-service.example.com/foo/jazz',
    },
    {
      name: 'rd wins over trusted forwarded headers',
      facts: {
        ...base,
        trustedForwarded: true,
        host: 'oauth.example.com',
        requestUri: '/foo/bar?rd=https%3A%2F%2Fa%2Dservice%2Eexample%2Ecom%2Ffoo%2Fjazz',
        rd: 'https://a-service.example.com/foo/jazz',
        forwardedProto: 'http',
        forwardedHost: 'another-service.example.com',
        forwardedUri: '/seasons/greetings',
      },
      expected: 'https://a-service.example.com/foo/jazz',
    },
    {
      name: 'an invalid rd falls through to the forwarded URL',
      facts: {
        ...base,
        trustedForwarded: true,
        host: 'oauth.example.com',
        requestUri: '/foo/bar?rd=http%3A%2F%2Fanother%2Dservice%2Eexample%2Ecom%2Ffoo%2Fjazz',
        rd: 'http://another-service.example.com/foo/jazz',
        forwardedProto: 'https',
        forwardedHost: 'a-service.example.com',
        forwardedUri: '/foo/bar',
      },
      validator: (s) => s === 'https://a-service.example.com/foo/bar',
      expected: 'https://a-service.example.com/foo/bar',
    },
    {
      name: 'forwarded headers from an untrusted peer are ignored',
      facts: {
        ...base,
        host: 'oauth.example.com',
        requestUri: '/foo?bar',
        forwardedProto: 'https',
        forwardedHost: 'a-service.example.com',
        forwardedUri: '/foo/bar',
      },
      expected: '/foo?bar',
    },
  ];
  for (const row of rows) {
    it(row.name, () => assert.equal(getRedirect(row.facts, row.validator ?? acceptAll), row.expected));
  }

  it('falls back to / when nothing is valid', () => {
    const facts: RedirectFacts = { ...base, host: 'h', requestUri: '//evil.com', rd: 'https://evil.com/' };
    assert.equal(getRedirect(facts, createRedirectValidator(WHITELIST)), '/');
  });

  it('uses the connection scheme when X-Forwarded-Proto is absent', () => {
    const facts: RedirectFacts = {
      ...base,
      scheme: 'http',
      trustedForwarded: true,
      host: 'oauth.example.com',
      requestUri: '/x',
      forwardedHost: 'foo.bar',
    };
    assert.equal(getRedirect(facts, createRedirectValidator(WHITELIST)), 'http://foo.bar/x');
  });

  it('with the real validator, a forwarded URL to a non-whitelisted host falls back to the URI', () => {
    const facts: RedirectFacts = {
      ...base,
      trustedForwarded: true,
      host: 'oauth.example.com',
      requestUri: '/x',
      forwardedHost: 'evil.com',
      forwardedUri: '/y',
    };
    assert.equal(getRedirect(facts, createRedirectValidator(WHITELIST)), '/y');
  });
});

// Lines are encodeURIComponent-encoded; a few hold a lone %XX byte that is not UTF-8, which
// decodeURIComponent refuses — those are decoded bytewise, as an HTTP server's query parser would.
function decodeLine(line: string): string {
  try {
    return decodeURIComponent(line);
  } catch {
    const bytes: number[] = [];
    for (let i = 0; i < line.length; i++) {
      if (line[i] === '%' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 1, i + 3))) {
        bytes.push(parseInt(line.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        bytes.push(...Buffer.from(line[i], 'utf8'));
      }
    }
    return Buffer.from(bytes).toString('utf8');
  }
}

describe('open-redirect corpus', () => {
  const text = readFileSync(fixture('oauth2-proxy-openredirects.txt'), 'utf8');
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');

  it('holds 559 lines, the first one empty', () => {
    assert.equal(lines.length, 559);
    assert.equal(lines[0], '');
  });

  it('rejects every line', () => {
    const accepted: string[] = [];
    for (const line of lines) {
      const target = decodeLine(line);
      if (isValid(target)) accepted.push(JSON.stringify(target));
    }
    assert.deepEqual(accepted, []);
  });

  it('exercises both rule sets: 301 relative and 154 absolute targets', () => {
    const targets = lines.map(decodeLine);
    assert.equal(targets.filter((t) => t.startsWith('/')).length, 301);
    assert.equal(targets.filter((t) => t.startsWith('http://') || t.startsWith('https://')).length, 154);
  });
});
