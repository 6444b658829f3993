import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { createPages, type PagesOptions } from '../../src/pages/index.js';

const base: PagesOptions = {
  proxyPrefix: '/oauth2',
  providerName: 'Google',
  emailDomains: ['example.com'],
  customTemplatesDir: '',
  banner: '',
  footer: '',
  customSignInLogo: '',
  version: '1.2.3',
};

const XSS_PAYLOADS = [
  '"><script>alert(1)</script>',
  "'><img src=x onerror=alert(1)>",
  'javascript:alert(1)',
  'JaVaScRiPt:alert(document.cookie)',
  '</title><script>alert(1)</script>',
  '<svg/onload=alert(1)>',
  '" autofocus onfocus="alert(1)',
];

const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('base64');

function only(html: string, re: RegExp): string {
  const all = [...html.matchAll(re)];
  assert.equal(all.length, 1, `expected exactly one match of ${re}`);
  return all[0][1];
}

const TAG = /<([a-zA-Z][\w:-]*)((?:\s+[^\s=>"'/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>"']+))?)*)\s*\/?>/g;
const ATTR = /([^\s=>"'/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g;
const PAGE_TAGS = new Set(['html', 'head', 'meta', 'title', 'link', 'style', 'body', 'main', 'div', 'p', 'h1', 'form', 'input', 'button', 'a', 'svg', 'path', 'rect', 'circle', 'code', 'footer', 'script', 'label']);

/**
 * Asserts nothing a payload could do survives, by scanning the tags the page really has (values in
 * quotes are skipped as a browser would): no foreign elements, no event handlers, no script URLs,
 * only the page's own script.
 */
function assertInert(html: string): void {
  const body = html.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<script>[\s\S]*?<\/script>/, '');
  assert.doesNotMatch(body, /<script/i);
  for (const m of body.matchAll(TAG)) {
    const tag = m[1].toLowerCase();
    assert.ok(PAGE_TAGS.has(tag), `unexpected element <${tag}>`);
    for (const a of m[2].matchAll(ATTR)) {
      const name = a[1].toLowerCase();
      const value = a[2] ?? a[3] ?? a[4] ?? '';
      assert.ok(!name.startsWith('on'), `event handler ${name} on <${tag}>`);
      assert.notEqual(name, 'autofocus');
      if (['href', 'src', 'action', 'formaction'].includes(name)) assert.doesNotMatch(value, /^\s*(javascript|data|vbscript):/i);
    }
  }
}

test('the injection scanner itself catches live payloads', () => {
  for (const live of ['<p><img src=x onerror=alert(1)></p>', '<a href="javascript:alert(1)">x</a>', '<input value="" autofocus onfocus="alert(1)">', '<p><script>alert(1)</script></p><script>x</script>']) {
    assert.throws(() => assertInert(live), live);
  }
});

describe('default sign-in page', () => {
  const pages = createPages(base);
  const page = pages.signIn({ statusCode: 403, redirect: '/app/dashboard?tab=2' });

  test('is a complete, accessible document', () => {
    assert.ok(page.startsWith('<!DOCTYPE html>'));
    assert.match(page, /<html lang="en">/);
    assert.match(page, /<meta charset="utf-8">/);
    assert.match(page, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
    assert.match(page, /<title>Sign in<\/title>/);
    assert.match(page, /<main>[\s\S]*<\/main>/);
    assert.match(page, /<h1>Sign in<\/h1>/);
    assert.match(page, /:focus-visible/);
    assert.match(page, /prefers-color-scheme: dark/);
    assert.match(page, /@media \(max-width: 480px\)/);
  });

  test('has the provider button as a plain GET form to <prefix>/start with rd', () => {
    assert.match(page, /<form method="GET" action="\/oauth2\/start">/);
    assert.match(page, /<input type="hidden" name="rd" value="\/app\/dashboard\?tab=2">/);
    assert.match(page, /<button class="btn btn-primary" type="submit">Sign in with Google/);
  });

  test('shows the sign-in message, the logo and the footer', () => {
    assert.match(page, /<div class="message">Authenticate using example.com<\/div>/);
    assert.match(page, /<div class="logo"><svg [^>]*aria-hidden="true"/);
    assert.match(page, /<footer><p>Secured with oauth2-sidecar version 1.2.3<\/p><\/footer>/);
  });

  test('links the favicon under <prefix>/static and loads nothing external', () => {
    assert.match(page, /<link rel="icon" type="image\/svg\+xml" href="\/oauth2\/static\/favicon.svg">/);
    assert.doesNotMatch(page, /<link[^>]+stylesheet/);
    assert.doesNotMatch(page, /\s(src|href)="(https?:)?\/\//);
    assert.doesNotMatch(page, /@import|url\(/);
  });

  test('keeps all CSS in one <style> and script in one <script>, both pinned by the CSP', () => {
    const style = only(page, /<style>([\s\S]*?)<\/style>/g);
    const script = only(page, /<script>([\s\S]*?)<\/script>/g);
    assert.doesNotMatch(page, /\sstyle="/);
    assert.doesNotMatch(page, /\son[a-z]+="/);
    assert.ok(pages.csp.includes(`style-src 'sha256-${sha256(style)}'`), pages.csp);
    assert.ok(pages.csp.includes(`script-src 'sha256-${sha256(script)}'`), pages.csp);
    assert.match(pages.csp, /default-src 'none'/);
    assert.match(pages.csp, /img-src 'self' data:/);
    assert.match(pages.csp, /base-uri 'none'/);
    assert.doesNotMatch(pages.csp, /unsafe-inline|unsafe-eval/);
    assert.equal(pages.cspFor('signIn'), pages.csp);
    assert.equal(pages.cspFor('error'), pages.csp);
  });

  test('its script only copies the URL fragment into the rd fields', () => {
    const script = only(page, /<script>([\s\S]*?)<\/script>/g);
    assert.match(script, /window\.location\.hash/);
    assert.match(script, /input\[name="rd"\]/);
  });

  test('shows no password form unless asked to', () => {
    assert.doesNotMatch(page, /type="password"/);
    assert.doesNotMatch(page, /role="alert"/);
  });

  test('escapes XSS attempts in the redirect', () => {
    for (const payload of XSS_PAYLOADS) {
      const html = pages.signIn({ statusCode: 403, redirect: payload });
      assertInert(html);
      assert.ok(html.includes('name="rd" value="' + payload.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;') + '"'));
    }
  });

  test('escapes the provider name', () => {
    const html = createPages({ ...base, providerName: '<i>Evil</i>' }).signIn({ statusCode: 200, redirect: '/' });
    assert.match(html, /Sign in with &lt;i&gt;Evil&lt;\/i&gt;/);
  });

  test('offers the username/password form for htpasswd users', () => {
    const p = createPages({ ...base, displayLoginForm: true });
    const html = p.signIn({ statusCode: 200, redirect: '/x' });
    assert.match(html, /<form method="POST" action="\/oauth2\/sign_in">/);
    assert.equal((html.match(/name="rd" value="\/x"/g) ?? []).length, 2);
    for (const id of ['username', 'password']) {
      assert.match(html, new RegExp(`<label for="${id}">`));
      assert.match(html, new RegExp(`<input id="${id}" name="${id}"`));
    }
    assert.match(html, /autocomplete="current-password"/);
    assert.doesNotMatch(html, /role="alert"/);
    assert.match(p.signIn({ statusCode: 401, redirect: '/' }), /<p class="alert" role="alert">The username or password is incorrect.<\/p>/);
    assert.match(p.signIn({ statusCode: 400, redirect: '/' }), /role="alert">Enter your username and password/);
  });
});

describe('default error page', () => {
  const pages = createPages(base);
  const requestId = '6f1c2a9e-3b7d-4c8a-9e21-0d5b7f3a1c44';

  test('shows the status, title, message, actions and request id', () => {
    const html = pages.error({ statusCode: 403, message: 'You are not in an allowed group.', redirect: '/app', requestId });
    assert.match(html, /<html lang="en">/);
    assert.match(html, /<title>403 Forbidden<\/title>/);
    assert.match(html, /<main>/);
    assert.match(html, /<p class="eyebrow">Error 403<\/p>/);
    assert.match(html, /<h1>Forbidden<\/h1>/);
    assert.match(html, /<p class="message">You are not in an allowed group.<\/p>/);
    assert.match(html, /<a class="btn btn-primary" href="\/oauth2\/sign_in\?rd=%2Fapp">Sign in again<\/a>/);
    assert.match(html, /<a class="btn btn-secondary" href="\/app">[\s\S]*Go back<\/a>/);
    assert.match(html, new RegExp(`<p class="meta">Request ID <code>${requestId}</code></p>`));
    assert.match(html, /<footer><p>Secured with oauth2-sidecar version 1.2.3<\/p><\/footer>/);
    assert.doesNotMatch(html, /<script/);
  });

  test('the title defaults to the status text and may be overridden', () => {
    assert.match(pages.error({ statusCode: 404, message: '', requestId: '' }), /<h1>Not Found<\/h1>/);
    assert.match(pages.error({ statusCode: 418, message: 'x', requestId: '' }), /<h1>I&#39;m a Teapot<\/h1>/);
    assert.match(pages.error({ statusCode: 403, title: 'Login Failed', message: 'x', requestId: '' }), /<h1>Login Failed<\/h1>/);
    assert.match(pages.error({ statusCode: 599, message: 'x', requestId: '' }), /<h1>Error<\/h1>/);
  });

  test('uses a generic message for the status when given none', () => {
    assert.match(pages.error({ statusCode: 401, message: '', requestId: '' }), /<p class="message">You need to sign in/);
    assert.match(pages.error({ statusCode: 500, message: '', requestId: '' }), /<p class="message">Something went wrong on our side/);
  });

  test('for 5xx shows the caller’s safe message and offers a way home', () => {
    const html = pages.error({ statusCode: 502, message: 'There was a problem connecting to the upstream server.', requestId });
    assert.match(html, /<h1>Bad Gateway<\/h1>/);
    assert.match(html, /There was a problem connecting to the upstream server./);
    assert.match(html, /<a class="btn btn-primary" href="\/">Go to the home page<\/a>/);
    assert.match(html, /<a class="btn btn-secondary" href="\/oauth2\/sign_in">Sign in again<\/a>/);
    assert.match(html, /class="icon danger"/);
  });

  test('omits the request id line when there is none', () => {
    assert.doesNotMatch(pages.error({ statusCode: 403, message: 'x', requestId: '' }), /Request ID/);
  });

  test('escapes XSS attempts in the message, redirect and request id', () => {
    for (const payload of XSS_PAYLOADS) {
      const html = pages.error({ statusCode: 403, message: payload, redirect: payload, requestId: payload });
      assertInert(html);
      assert.ok(html.includes(`href="/oauth2/sign_in?rd=${encodeURIComponent(payload).replace(/'/g, '&#39;')}"`), payload);
      assert.doesNotMatch(html, /Go back/, 'an unsafe redirect is not offered as a link');
    }
  });

  test('does not link to protocol-relative or backslash redirects', () => {
    for (const redirect of ['//evil.example', '/\\evil.example', 'data:text/html,x']) {
      const html = pages.error({ statusCode: 403, message: 'x', redirect, requestId: '' });
      assert.doesNotMatch(html, /Go back/, redirect);
    }
    const ok = pages.error({ statusCode: 500, message: 'x', redirect: 'https://app.example.com/a?b=1&c=2', requestId: '' });
    assert.match(ok, /<a class="btn btn-primary" href="https:\/\/app.example.com\/a\?b=1&amp;c=2">[\s\S]*Go back<\/a>/);
  });
});

describe('static assets', () => {
  const pages = createPages(base);

  test('serves the favicon, the default logo and the stylesheet', () => {
    const fav = pages.staticAsset('favicon.svg');
    assert.equal(fav?.contentType, 'image/svg+xml');
    assert.match(fav!.body.toString(), /^<svg /);
    assert.equal(pages.staticAsset('/favicon.svg')?.contentType, 'image/svg+xml');
    assert.equal(pages.staticAsset('logo.svg')?.contentType, 'image/svg+xml');
    const css = pages.staticAsset('pages.css');
    assert.equal(css?.contentType, 'text/css; charset=utf-8');
    assert.ok(pages.signIn({ statusCode: 200, redirect: '/' }).includes(css!.body.toString()));
  });

  test('knows nothing else', () => {
    for (const p of ['', 'missing.png', '../index.ts', 'favicon.svg/..', '__proto__', 'constructor', 'toString']) {
      assert.equal(pages.staticAsset(p), undefined, p);
    }
  });
});
