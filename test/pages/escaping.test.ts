import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TemplateSet } from '../../src/pages/gotemplate/index.js';
import { TrustedHtml, escapeHtml, hasSafeScheme, isLinkableRedirect, stripTags } from '../../src/pages/html.js';

function render(src: string, v: unknown): string {
  const set = new TemplateSet();
  set.add('t', src);
  return set.execute('t', { V: v });
}

const XSS = '"><script>alert(1)</script>';

describe('contextual escaping of template values', () => {
  const cases: [string, string, unknown, string][] = [
    ['element text', '<p>{{.V}}</p>', XSS, '<p>&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>'],
    ['double-quoted attribute', '<input value="{{.V}}">', XSS, '<input value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">'],
    ['single-quoted attribute', "<input value='{{.V}}'>", "' onmouseover='x", "<input value='&#39; onmouseover=&#39;x'>"],
    ['unquoted attribute', '<input value={{.V}}>', 'a onfocus=x', '<input value=a&#32;onfocus&#61;x>'],
    ['javascript: URL in href', '<a href="{{.V}}">x</a>', 'javascript:alert(1)', '<a href="#ZgotmplZ">x</a>'],
    ['disguised javascript: URL', '<a href="{{.V}}">x</a>', ' JaVa\tScRiPt:alert(1)', '<a href="#ZgotmplZ">x</a>'],
    ['data: URL in src', '<img src="{{.V}}">', 'data:text/html,<script>', '<img src="#ZgotmplZ">'],
    ['javascript: URL in form action', '<form action="{{.V}}">', 'javascript:alert(1)', '<form action="#ZgotmplZ">'],
    ['https URL is kept', '<a href="{{.V}}">x</a>', 'https://example.com/a?b=1&c=2', '<a href="https://example.com/a?b=1&amp;c=2">x</a>'],
    ['relative path with odd characters is normalised', '<a href="{{.V}}">x</a>', '/a b/"é"', '<a href="/a%20b/%22%C3%A9%22">x</a>'],
    ['value after a fixed prefix is not scheme-checked', '<a href="/oauth2/{{.V}}">x</a>', 'javascript:x', '<a href="/oauth2/javascript:x">x</a>'],
    ['query value is fully encoded', '<a href="/sign_in?rd={{.V}}">x</a>', '/app?a=1&b=2#f', '<a href="/sign_in?rd=%2Fapp%3Fa%3D1%26b%3D2%23f">x</a>'],
    ['urlquery is not encoded twice', '<a href="/s?rd={{.V | urlquery}}">x</a>', '/a b', '<a href="/s?rd=%2Fa+b">x</a>'],
    ['url attributes by name heuristics', '<img data-src="{{.V}}"><x-el imageurl="{{.V}}">', 'javascript:1', '<img data-src="#ZgotmplZ"><x-el imageurl="#ZgotmplZ">'],
    ['script string', '<script>var r = "{{.V}}";</script>', XSS, '<script>var r = "\\u0022\\u003e\\u003cscript\\u003ealert(1)\\u003c\\/script\\u003e";</script>'],
    ['script single-quoted string', "<script>var r = '{{.V}}';</script>", "'; alert(1); '", "<script>var r = '\\u0027; alert(1); \\u0027';</script>"],
    ['script template literal', '<script>var r = `{{.V}}`;</script>', '${alert(1)}`', '<script>var r = `\\u0024{alert(1)}\\u0060`;</script>'],
    ['script expression becomes a literal', '<script>var r = {{.V}};</script>', XSS, '<script>var r =  "\\"\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" ;</script>'],
    ['script number', '<script>var n = {{.V}};</script>', 403, '<script>var n =  403 ;</script>'],
    ['script comment drops the value', '<script>// {{.V}}\n</script>', 'x', '<script>// \n</script>'],
    ['regexp literal', '<script>var re = /{{.V}}/;</script>', 'a.b/c', '<script>var re = /a\\.b\\/c/;</script>'],
    ['event handler attribute', '<a onclick="go(\'{{.V}}\')">x</a>', "');alert(1);('", `<a onclick="go('\\u0027);alert(1);(\\u0027')">x</a>`],
    ['style attribute rejects values that could load or run anything', '<p style="color: {{.V}}">', 'red;background:url(//x)', '<p style="color: ZgotmplZ">'],
    ['style attribute accepts plain values', '<p style="color: {{.V}}">', '#ff0000', '<p style="color: #ff0000">'],
    ['style element', '<style>p { color: {{.V}} }</style>', 'expression(alert(1))', '<style>p { color: ZgotmplZ }</style>'],
    ['html comment drops the value', '<!-- {{.V}} -->', XSS, '<!--  -->'],
    ['title element', '<title>{{.V}}</title>', '</title><script>', '<title>&lt;/title&gt;&lt;script&gt;</title>'],
    ['textarea element', '<textarea>{{.V}}</textarea>', '</textarea><b>', '<textarea>&lt;/textarea&gt;&lt;b&gt;</textarea>'],
    ['attribute name position', '<input {{.V}}>', 'onfocus=alert(1)', '<input ZgotmplZ>'],
    ['plain attribute name', '<input {{.V}}>', 'checked', '<input checked>'],
    ['srcset', '<img srcset="{{.V}}">', 'javascript:x 1x, /a.png 2x', '<img srcset="#ZgotmplZ, /a.png 2x">'],
  ];
  for (const [name, src, v, want] of cases) {
    test(name, () => assert.equal(render(src, v), want));
  }

  test('the context resets after a closing script tag', () => {
    assert.equal(render('<script>var a = "x";</script><p>{{.V}}</p>', '<b>'), '<script>var a = "x";</script><p>&lt;b&gt;</p>');
  });

  test('a quote inside a string in script does not confuse the tracker', () => {
    assert.equal(render(`<script>var a = "it's"; var b = "{{.V}}";</script>`, '"'), `<script>var a = "it's"; var b = "\\u0022";</script>`);
  });

  test('division is not mistaken for a regular expression', () => {
    assert.equal(render('<script>var a = 4 / 2; var b = "{{.V}}";</script>', '<'), '<script>var a = 4 / 2; var b = "\\u003c";</script>');
  });

  test('the attribute context ends at the closing quote', () => {
    assert.equal(render('<a href="/x" title="t">{{.V}}</a>', 'javascript:1'), '<a href="/x" title="t">javascript:1</a>');
  });

  test('trusted HTML is raw in element text', () => {
    assert.equal(render('<div>{{.V}}</div>', new TrustedHtml('<b>Welcome</b> &amp; hi')), '<div><b>Welcome</b> &amp; hi</div>');
  });

  test('trusted HTML inside an attribute is reduced to escaped text', () => {
    assert.equal(render('<p title="{{.V}}">', new TrustedHtml('<b>"Hi"</b> &amp; you')), '<p title="&#34;Hi&#34; &amp; you">');
  });

  test('trusted HTML inside a script is a string, not markup', () => {
    assert.equal(render('<script>var m = {{.V}};</script>', new TrustedHtml('</script><b>')), '<script>var m =  "\\u003c/script\\u003e\\u003cb\\u003e" ;</script>');
  });

  test('a value cannot change the context of what follows', () => {
    assert.equal(render('<a title="{{.V}}" href="{{.V}}">', '" href="javascript:1'), '<a title="&#34; href=&#34;javascript:1" href="#ZgotmplZ">');
  });

  test('the context is tracked across branches and called templates', () => {
    const src = '{{define "link"}}<a href="{{.}}">go</a>{{end}}{{if .V}}<form action="{{.V}}">{{end}}{{template "link" .V}}';
    assert.equal(render(src, 'javascript:1'), '<form action="#ZgotmplZ"><a href="#ZgotmplZ">go</a>');
  });
});

describe('HTML helpers', () => {
  test('escapeHtml', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
  test('stripTags', () => {
    assert.equal(stripTags('<p class="x">Hi <b>there</b><!-- c --></p>'), 'Hi there');
  });
  test('hasSafeScheme', () => {
    for (const ok of ['/a', 'a/b:c', 'https://x', 'HTTP://x', 'mailto:a@b', '?q=1', '#f', '']) assert.equal(hasSafeScheme(ok), true, ok);
    for (const bad of ['javascript:1', 'JAVASCRIPT:1', 'data:x', 'vbscript:x', ' javascript:1', 'java\tscript:1']) assert.equal(hasSafeScheme(bad), false, bad);
  });
  test('isLinkableRedirect', () => {
    for (const ok of ['/', '/app?x=1#y', 'https://app.example.com/x', 'http://localhost:8080/']) assert.equal(isLinkableRedirect(ok), true, ok);
    for (const bad of ['', '//evil.com', '/\\evil.com', 'javascript:alert(1)', 'https:evil', 'https:///x', 'relative', '/a b', '/\tx']) {
      assert.equal(isLinkableRedirect(bad), false, bad);
    }
  });
});
