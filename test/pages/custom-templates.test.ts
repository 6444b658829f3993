import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createPages, type PagesOptions } from '../../src/pages/index.js';

// Written the way operators write templates for oauth2-proxy: a {{define}} per file, Bulma-ish
// markup, branches on StatusCode/CustomLogin/Footer, values in attributes, a script and a sub-template.
const SIGN_IN = `{{define "sign_in.html"}}
<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Sign in · Acme</title>
  <link rel="stylesheet" href="{{ .ProxyPrefix }}/static/pages.css">
</head>
<body>
  {{- /* Acme corporate look, kept in sync with the intranet */ -}}
  <section class="box">
    {{ if .LogoData }}<div class="acme-logo">{{ .LogoData }}</div>{{ end }}
    {{ if eq .StatusCode 403 -}}
      <p class="notice">Please sign in to continue.</p>
    {{- else if eq .StatusCode 401 -}}
      <p class="notice">Wrong username or password.</p>
    {{- end }}
    <form method="GET" action="{{ .ProxyPrefix }}/start">
      <input type="hidden" name="rd" value="{{ .Redirect }}">
      {{ if .SignInMessage }}<p class="banner">{{ .SignInMessage }}</p>{{ end }}
      <button type="submit" class="button is-primary">Sign in with {{ .ProviderName }}</button>
    </form>
    {{ if .CustomLogin }}
    <form method="POST" action="{{.ProxyPrefix}}/sign_in" class="login">
      <input type="hidden" name="rd" value="{{.Redirect}}">
      <label>User <input name="username"></label>
      <label>Password <input type="password" name="password"></label>
    </form>
    {{ end }}
    <a class="retry" href="{{.ProxyPrefix}}/sign_in?rd={{.Redirect}}">Try again</a>
    <span class="tenant">{{ .TenantId }}</span>
    <span class="idp">{{ .ProviderName | ToLower }}</span>
  </section>
  <script>
    var target = "{{.Redirect}}";
  </script>
  <footer>
    {{ if eq .Footer "-" }}
    {{ else if eq .Footer "" }}
    <p class="default-footer">Acme gateway {{ .Version }}</p>
    {{ else }}
    <p class="custom-footer">{{ .Footer }}</p>
    {{ end }}
  </footer>
</body>
</html>
{{end}}
`;

const ERROR = `{{define "error.html"}}
<!DOCTYPE html>
<html lang="en">
<head><title>{{.StatusCode}} {{.Title}}</title></head>
<body>
  <h1 class="status">{{.StatusCode}}</h1>
  <h2 class="title">{{.Title}}</h2>
  {{ if or .Message .RequestID }}
  <div class="details">
    {{ with .Message }}<p class="msg">{{ . }}</p>{{ end }}
    {{ if .RequestID }}<small class="rid">Request ID: {{ .RequestID }}</small>{{ end }}
  </div>
  {{ end }}
  {{ if eq .StatusCode 403 }}<p class="access">Ask #it-help for access.</p>{{ end }}
  {{ if .Redirect }}
  <form method="GET" action="{{.Redirect}}"><button>Go back</button></form>
  <form method="GET" action="{{.ProxyPrefix}}/sign_in">
    <input type="hidden" name="rd" value="{{.Redirect}}">
    <button>Sign in</button>
  </form>
  {{ end }}
  {{ template "acme-footer" . }}
</body>
</html>
{{end}}

{{define "acme-footer"}}<footer>{{ if ne .Footer "-" }}v{{ .Version }} {{ .Footer }}{{ end }}</footer>{{end}}
`;

const base: PagesOptions = {
  proxyPrefix: '/oauth2',
  providerName: 'Keycloak',
  emailDomains: ['acme.example'],
  customTemplatesDir: '',
  banner: '',
  footer: '',
  customSignInLogo: '',
  version: '0.9.0',
};

let root: string;
let n = 0;
function templatesDir(files: Record<string, string>): string {
  const dir = join(root, `t${n++}`);
  mkdirSync(dir);
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'pages-templates-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('custom sign_in.html', () => {
  const make = (o: Partial<PagesOptions> = {}) =>
    createPages({ ...base, customTemplatesDir: templatesDir({ 'sign_in.html': SIGN_IN, 'error.html': ERROR }), ...o });

  test('renders with oauth2-proxy variable names', () => {
    const html = make().signIn({ statusCode: 403, redirect: '/app?x=1' });
    assert.match(html, /^\n<!DOCTYPE html>/);
    assert.match(html, /<form method="GET" action="\/oauth2\/start">/);
    assert.match(html, /<input type="hidden" name="rd" value="\/app\?x=1">/);
    assert.match(html, /Sign in with Keycloak<\/button>/);
    assert.match(html, /<link rel="stylesheet" href="\/oauth2\/static\/pages.css">/);
    assert.match(html, /<span class="idp">keycloak<\/span>/);
    assert.match(html, /<span class="tenant"><\/span>/, 'unknown fields render empty');
    assert.match(html, /<head>\n  <meta charset/);
    assert.match(html, /<body><section class="box">/, 'trim markers around the comment');
  });

  test('branches on StatusCode with eq', () => {
    const pages = make();
    assert.match(pages.signIn({ statusCode: 403, redirect: '/' }), /<p class="notice">Please sign in to continue.<\/p>\n {4}<form/);
    assert.match(pages.signIn({ statusCode: 401, redirect: '/' }), /Wrong username or password/);
    const ok = pages.signIn({ statusCode: 200, redirect: '/' });
    assert.doesNotMatch(ok, /class="notice"/);
  });

  test('SignInMessage and LogoData are inserted as HTML', () => {
    const html = make({ banner: '<b>Acme staff only</b>' }).signIn({ statusCode: 200, redirect: '/' });
    assert.match(html, /<p class="banner"><b>Acme staff only<\/b><\/p>/);
    assert.match(html, /<div class="acme-logo"><svg /);
    const noLogo = make({ customSignInLogo: '-', banner: '-' }).signIn({ statusCode: 200, redirect: '/' });
    assert.doesNotMatch(noLogo, /acme-logo|class="banner"/);
  });

  test('the default sign-in message reaches the template', () => {
    assert.match(make().signIn({ statusCode: 200, redirect: '/' }), /<p class="banner">Authenticate using acme.example<\/p>/);
  });

  test('CustomLogin shows the password form', () => {
    assert.doesNotMatch(make().signIn({ statusCode: 200, redirect: '/' }), /class="login"/);
    assert.match(make({ displayLoginForm: true }).signIn({ statusCode: 200, redirect: '/' }), /<form method="POST" action="\/oauth2\/sign_in" class="login">/);
  });

  test('Footer is the raw option, so the template’s "-" and "" branches work', () => {
    assert.match(make().signIn({ statusCode: 200, redirect: '/' }), /<p class="default-footer">Acme gateway 0.9.0<\/p>/);
    const none = make({ footer: '-' }).signIn({ statusCode: 200, redirect: '/' });
    assert.doesNotMatch(none, /default-footer|custom-footer/);
    const custom = make({ footer: '<a href="https://it.acme.example">IT</a>' }).signIn({ statusCode: 200, redirect: '/' });
    assert.match(custom, /<p class="custom-footer"><a href="https:\/\/it.acme.example">IT<\/a><\/p>/);
  });

  test('Redirect is escaped wherever the template puts it', () => {
    const payload = '"><script>alert(1)</script>';
    const html = make({ displayLoginForm: true }).signIn({ statusCode: 403, redirect: payload });
    assert.doesNotMatch(html, /<script>alert/);
    assert.equal((html.match(/name="rd" value="&#34;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/g) ?? []).length, 2);
    assert.match(html, /href="\/oauth2\/sign_in\?rd=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"/);
    assert.match(html, /var target = "\\u0022\\u003e\\u003cscript\\u003ealert\(1\)\\u003c\\\/script\\u003e";/);
  });

  test('a custom page gets no CSP from us, the built-in one still does', () => {
    const pages = createPages({ ...base, customTemplatesDir: templatesDir({ 'sign_in.html': SIGN_IN }) });
    assert.equal(pages.cspFor('signIn'), undefined);
    assert.equal(pages.cspFor('error'), pages.csp);
  });
});

describe('custom error.html', () => {
  const pages = createPages({ ...base, customTemplatesDir: templatesDir({ 'sign_in.html': SIGN_IN, 'error.html': ERROR }) });

  test('renders with oauth2-proxy variable names', () => {
    const html = pages.error({ statusCode: 403, message: 'Not in group admins', redirect: '/admin', requestId: 'req-42' });
    assert.match(html, /<title>403 Forbidden<\/title>/);
    assert.match(html, /<h1 class="status">403<\/h1>/);
    assert.match(html, /<h2 class="title">Forbidden<\/h2>/);
    assert.match(html, /<p class="msg">Not in group admins<\/p>/);
    assert.match(html, /<small class="rid">Request ID: req-42<\/small>/);
    assert.match(html, /<p class="access">Ask #it-help for access.<\/p>/);
    assert.match(html, /<form method="GET" action="\/admin"><button>Go back<\/button><\/form>/);
    assert.match(html, /<input type="hidden" name="rd" value="\/admin">/);
    assert.match(html, /<footer>v0.9.0 <\/footer>/);
    assert.equal(pages.cspFor('error'), undefined);
  });

  test('the title can be overridden and the message defaults per status', () => {
    const html = pages.error({ statusCode: 500, title: 'Login Failed', message: '', requestId: '' });
    assert.match(html, /<h2 class="title">Login Failed<\/h2>/);
    assert.match(html, /<p class="msg">Something went wrong on our side/);
    assert.doesNotMatch(html, /class="access"|Go back/);
  });

  test('message and redirect are escaped; a javascript: redirect cannot become a form target', () => {
    const html = pages.error({ statusCode: 400, message: '<img src=x onerror=alert(1)>', redirect: 'javascript:alert(1)', requestId: '<b>' });
    assert.match(html, /<p class="msg">&lt;img src=x onerror=alert\(1\)&gt;<\/p>/);
    assert.match(html, /Request ID: &lt;b&gt;/);
    assert.match(html, /<form method="GET" action="#ZgotmplZ">/);
    assert.match(html, /name="rd" value="javascript:alert\(1\)"/);
  });
});

describe('custom templates directory', () => {
  test('with only sign_in.html the built-in error page serves', () => {
    const pages = createPages({ ...base, customTemplatesDir: templatesDir({ 'sign_in.html': SIGN_IN }) });
    assert.match(pages.signIn({ statusCode: 200, redirect: '/' }), /class="box"/);
    const err = pages.error({ statusCode: 403, message: 'x', requestId: 'r' });
    assert.match(err, /<p class="eyebrow">Error 403<\/p>/);
  });

  test('with only error.html the built-in sign-in page serves', () => {
    const pages = createPages({ ...base, customTemplatesDir: templatesDir({ 'error.html': ERROR }) });
    assert.match(pages.signIn({ statusCode: 200, redirect: '/' }), /<h1>Sign in<\/h1>/);
    assert.match(pages.error({ statusCode: 404, message: '', requestId: '' }), /<h2 class="title">Not Found<\/h2>/);
    assert.equal(pages.cspFor('signIn'), pages.csp);
    assert.equal(pages.cspFor('error'), undefined);
  });

  test('an empty directory means built-in pages', () => {
    const pages = createPages({ ...base, customTemplatesDir: templatesDir({ 'README.md': 'hi' }) });
    assert.match(pages.signIn({ statusCode: 200, redirect: '/' }), /<h1>Sign in<\/h1>/);
  });

  test('templates without {{define}} work too', () => {
    const dir = templatesDir({ 'sign_in.html': '<p>{{.ProviderName}} {{.Redirect}}</p>' });
    assert.equal(createPages({ ...base, customTemplatesDir: dir }).signIn({ statusCode: 200, redirect: '<x>' }), '<p>Keycloak &lt;x&gt;</p>');
  });

  test('a template that fails to parse is a start-up error naming the option, file and line', () => {
    const broken = SIGN_IN.replace('Sign in with {{ .ProviderName }}', 'Sign in with {{ .ProviderName }');
    const dir = templatesDir({ 'sign_in.html': broken, 'error.html': ERROR });
    const line = broken.split('\n').findIndex((l) => l.includes('{{ .ProviderName }<')) + 1;
    assert.ok(line > 10);
    assert.throws(
      () => createPages({ ...base, customTemplatesDir: dir }),
      (err: Error) => {
        assert.equal(err.message, `--custom-templates-dir: ${join(dir, 'sign_in.html')}:${line}: unexpected "}" in action`);
        return true;
      },
    );
  });

  test('a stray {{end}} is reported where it is', () => {
    const dir = templatesDir({ 'sign_in.html': '{{define "sign_in.html"}}\n<p>\n{{ if .Redirect }}x{{ end }}{{ end }}\n</p>\n{{ end }}\n' });
    assert.throws(() => createPages({ ...base, customTemplatesDir: dir }), /sign_in\.html:5: unexpected \{\{end\}\}$/);
  });

  test('a missing {{end}} is reported', () => {
    const dir = templatesDir({ 'error.html': '{{define "error.html"}}\n{{if .Message}}\n<p>x</p>\n{{end}}\n' });
    assert.throws(() => createPages({ ...base, customTemplatesDir: dir }), /^Error: --custom-templates-dir: .*error\.html:5: unexpected EOF$/);
  });

  test('an unknown function is a start-up error', () => {
    const dir = templatesDir({ 'sign_in.html': '{{define "sign_in.html"}}\n\n<h1>{{ .ProviderName | title }}</h1>{{end}}' });
    assert.throws(() => createPages({ ...base, customTemplatesDir: dir }), /sign_in\.html:3: function "title" not defined/);
  });

  test('calling a template nobody defines is a start-up error', () => {
    const dir = templatesDir({ 'error.html': '{{define "error.html"}}{{template "layout" .}}{{end}}' });
    assert.throws(() => createPages({ ...base, customTemplatesDir: dir }), /error\.html:1: no such template "layout"/);
  });

  test('a missing directory is a start-up error', () => {
    assert.throws(() => createPages({ ...base, customTemplatesDir: join(root, 'nope') }), /^Error: --custom-templates-dir: cannot read .*nope.* \(ENOENT\)/);
  });

  test('a file where the directory should be is a start-up error', () => {
    const file = join(root, 'plain-file');
    writeFileSync(file, '');
    assert.throws(() => createPages({ ...base, customTemplatesDir: file }), /--custom-templates-dir: .* is not a directory/);
  });

  test('a directory named sign_in.html is a start-up error', () => {
    const dir = templatesDir({});
    mkdirSync(join(dir, 'sign_in.html'));
    assert.throws(() => createPages({ ...base, customTemplatesDir: dir }), /--custom-templates-dir: .*sign_in\.html is not a regular file/);
  });

  test('a template failing while rendering falls back to the built-in page and is reported', () => {
    const dir = templatesDir({
      'sign_in.html': '{{define "sign_in.html"}}{{ index .Redirect 99 }}{{end}}',
      'error.html': '{{define "error.html"}}{{ lt .Title 3 }}{{end}}',
    });
    const reported: string[] = [];
    const pages = createPages({ ...base, customTemplatesDir: dir, onRenderError: (err, t) => reported.push(`${t}: ${err.message}`) });
    assert.match(pages.signIn({ statusCode: 200, redirect: '/' }), /<h1>Sign in<\/h1>/);
    assert.match(pages.error({ statusCode: 500, message: '', requestId: '' }), /<p class="eyebrow">Error 500<\/p>/);
    assert.equal(reported.length, 2);
    assert.match(reported[0], /^sign_in.html: template sign_in.html:1: .*index out of range: 99/);
    assert.match(reported[1], /^error.html: template error.html:1: incompatible types for comparison/);
  });

  test('without a handler, a render failure becomes a process warning', async () => {
    const dir = templatesDir({ 'error.html': '{{define "error.html"}}{{ len .StatusCode }}{{end}}' });
    const pages = createPages({ ...base, customTemplatesDir: dir });
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    assert.match(pages.error({ statusCode: 502, message: '', requestId: '' }), /Error 502/);
    const w = await warned;
    assert.match(w.message, /custom template error.html failed, built-in page served: .*len of type int/);
  });
});
