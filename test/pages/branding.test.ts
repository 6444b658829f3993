import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildFooter, buildSignInMessage, loadLogo } from '../../src/pages/branding.js';
import { createPages, type PagesOptions } from '../../src/pages/index.js';

const base: PagesOptions = {
  proxyPrefix: '/oauth2',
  providerName: 'OpenID Connect',
  emailDomains: [],
  customTemplatesDir: '',
  banner: '',
  footer: '',
  customSignInLogo: '',
  version: '0.9.0',
};

const signIn = (o: Partial<PagesOptions>): string => createPages({ ...base, ...o }).signIn({ statusCode: 200, redirect: '/' });

describe('banner (sign-in message)', () => {
  test('an explicit banner is used as HTML', () => {
    assert.equal(buildSignInMessage('<b>Staff only</b>', ['example.com']).html, '<b>Staff only</b>');
    assert.match(signIn({ banner: '<b>Staff only</b>' }), /<div class="message"><b>Staff only<\/b><\/div>/);
  });

  test('"-" means no message at all', () => {
    assert.equal(buildSignInMessage('-', ['example.com']).html, '');
    assert.doesNotMatch(signIn({ banner: '-', emailDomains: ['example.com'] }), /class="message"/);
  });

  test('one email domain gives "Authenticate using <domain>"', () => {
    assert.equal(buildSignInMessage('', ['example.com']).html, 'Authenticate using example.com');
    assert.match(signIn({ emailDomains: ['example.com'] }), /<div class="message">Authenticate using example.com<\/div>/);
  });

  test('several domains are listed', () => {
    assert.equal(buildSignInMessage('', ['a.example', 'b.example']).html, 'Authenticate using an account from one of these domains: a.example, b.example');
  });

  test('a wildcard or no domain gives no message', () => {
    assert.equal(buildSignInMessage('', ['*']).html, '');
    assert.equal(buildSignInMessage('', ['*', 'example.com']).html, '');
    assert.equal(buildSignInMessage('', []).html, '');
    assert.doesNotMatch(signIn({ emailDomains: ['*'] }), /class="message"/);
  });

  test('domain names are escaped', () => {
    assert.equal(buildSignInMessage('', ['<b>x.example']).html, 'Authenticate using &lt;b&gt;x.example');
  });
});

describe('footer', () => {
  test('unset shows our version line', () => {
    assert.equal(buildFooter('', '0.9.0')?.html, 'Secured with oauth2-sidecar version 0.9.0');
    assert.match(signIn({}), /<footer><p>Secured with oauth2-sidecar version 0.9.0<\/p><\/footer>/);
  });

  test('"-" removes it', () => {
    assert.equal(buildFooter('-', '1'), null);
    assert.doesNotMatch(signIn({ footer: '-' }), /<footer>/);
    assert.doesNotMatch(createPages({ ...base, footer: '-' }).error({ statusCode: 500, message: '', requestId: '' }), /<footer>/);
  });

  test('custom HTML is used as is on both pages', () => {
    const footer = '<a href="https://status.example.com">Status</a> · Acme IT';
    assert.match(signIn({ footer }), /<footer><p><a href="https:\/\/status.example.com">Status<\/a> · Acme IT<\/p><\/footer>/);
    assert.match(createPages({ ...base, footer }).error({ statusCode: 403, message: '', requestId: '' }), /Acme IT<\/p><\/footer>/);
  });

  test('the version is escaped', () => {
    assert.equal(buildFooter('', '<1>')?.html, 'Secured with oauth2-sidecar version &lt;1&gt;');
  });
});

describe('logo', () => {
  let dir: string;
  const bytes = Buffer.from('not really an image');
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pages-logo-'));
    for (const name of ['logo.svg', 'logo.png', 'logo.jpg', 'logo.JPEG', 'logo.gif', 'logo']) writeFileSync(join(dir, name), bytes);
    writeFileSync(join(dir, 'evil.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('unset gives our inline SVG', () => {
    const logo = loadLogo('');
    assert.match(logo.html.html, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(signIn({}), /<div class="logo"><svg /);
  });

  test('"-" gives none', () => {
    assert.equal(loadLogo('-').html.html, '');
    assert.doesNotMatch(signIn({ customSignInLogo: '-' }), /class="logo"/);
  });

  test('an https URL becomes an <img> and its origin is allowed by the CSP', () => {
    const url = 'https://cdn.example.com/brand/logo.png?v=2&x=1';
    assert.equal(loadLogo(url).html.html, '<img src="https://cdn.example.com/brand/logo.png?v=2&amp;x=1" alt="">');
    const pages = createPages({ ...base, customSignInLogo: url });
    assert.match(pages.signIn({ statusCode: 200, redirect: '/' }), /<div class="logo"><img src="https:\/\/cdn.example.com\/brand\/logo.png\?v=2&amp;x=1" alt=""><\/div>/);
    assert.match(pages.csp, /img-src 'self' data: https:\/\/cdn.example.com;/);
  });

  test('an http URL is refused', () => {
    assert.throws(() => createPages({ ...base, customSignInLogo: 'http://cdn.example.com/logo.png' }), /^Error: --custom-sign-in-logo: only https:\/\/ URLs/);
  });

  for (const [file, type] of [
    ['logo.svg', 'image/svg+xml'],
    ['logo.png', 'image/png'],
    ['logo.jpg', 'image/jpeg'],
    ['logo.JPEG', 'image/jpeg'],
  ]) {
    test(`a ${file} file is inlined as a data: URI image`, () => {
      const html = loadLogo(join(dir, file)).html.html;
      assert.equal(html, `<img src="data:${type};base64,${bytes.toString('base64')}" alt="">`);
      assert.ok(signIn({ customSignInLogo: join(dir, file) }).includes(html));
    });
  }

  test('an SVG file cannot bring script into the page', () => {
    const html = signIn({ customSignInLogo: join(dir, 'evil.svg') });
    assert.doesNotMatch(html, /alert\(1\)/);
    assert.match(html, /<img src="data:image\/svg\+xml;base64,/);
  });

  test('an unsupported extension is a start-up error naming the option', () => {
    assert.throws(() => createPages({ ...base, customSignInLogo: join(dir, 'logo.gif') }), /^Error: --custom-sign-in-logo: unsupported extension "\.gif"/);
    assert.throws(() => createPages({ ...base, customSignInLogo: join(dir, 'logo') }), /^Error: --custom-sign-in-logo: unsupported extension ""/);
  });

  test('a missing file is a start-up error naming the option', () => {
    const missing = join(dir, 'missing.png');
    assert.throws(() => createPages({ ...base, customSignInLogo: missing }), (err: Error) => {
      assert.match(err.message, /^--custom-sign-in-logo: cannot read logo file/);
      assert.ok(err.message.includes(missing));
      assert.match(err.message, /ENOENT/);
      return true;
    });
  });
});

describe('operator markup and the CSP', () => {
  test('style attributes in the banner or footer are allowed by hash', () => {
    const pages = createPages({ ...base, banner: '<p style="color:#b00">Internal use only</p>', footer: "<span style='font-weight:bold'>IT</span>" });
    assert.match(pages.csp, /style-src 'sha256-[^']+' 'unsafe-hashes' 'sha256-[^']+' 'sha256-[^']+'/);
    assert.doesNotMatch(pages.csp, /unsafe-inline/);
  });

  test('images in the banner get their origin allowed', () => {
    const pages = createPages({ ...base, banner: '<img src="https://img.example.org/badge.svg" alt="Badge">' });
    assert.match(pages.csp, /img-src 'self' data: https:\/\/img.example.org;/);
  });

  test('scripts in the banner stay blocked', () => {
    const pages = createPages({ ...base, banner: '<script>alert(1)</script>' });
    const scriptSrc = /script-src ([^;]+)/.exec(pages.csp)![1];
    assert.equal(scriptSrc.split(' ').length, 1);
  });
});
