import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TemplateError, TemplateExecError, TemplateSet } from '../../src/pages/gotemplate/index.js';
import { TrustedHtml } from '../../src/pages/html.js';

function render(src: string, data: unknown = {}): string {
  const set = new TemplateSet();
  set.add('t', src);
  set.verify();
  return set.execute('t', data);
}

function parseError(src: string): TemplateError {
  try {
    render(src);
  } catch (err) {
    assert.ok(err instanceof TemplateError, `expected TemplateError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected a parse error for ${JSON.stringify(src)}`);
}

const data = {
  Name: 'Ada',
  Empty: '',
  Zero: 0,
  Code: 403,
  Yes: true,
  No: false,
  List: ['a', 'b', 'c'],
  None: [] as string[],
  Map: { z: 1, a: 2, m: 3 },
  User: { Email: 'ada@example.com', Groups: ['admins', 'dev'] },
};

describe('Go template renderer', () => {
  const cases: [string, string, string][] = [
    // name, template, expected
    ['field', 'Hi {{.Name}}!', 'Hi Ada!'],
    ['field with spaces', 'Hi {{ .Name }}!', 'Hi Ada!'],
    ['nested field', '{{.User.Email}}', 'ada@example.com'],
    ['unknown field renders empty', '[{{.Nope}}][{{.User.Nope.Deeper}}]', '[][]'],
    ['dot', '{{with .User}}{{.Email}}{{end}}', 'ada@example.com'],
    ['$ is the root', '{{with .User}}{{$.Name}}{{end}}', 'Ada'],
    ['numbers and bools print like Go', '{{.Code}} {{.Yes}} {{.No}}', '403 true false'],
    ['lists print like Go', '{{.List}}', '[a b c]'],
    ['if true', '{{if .Yes}}y{{end}}', 'y'],
    ['if false', '{{if .No}}y{{end}}', ''],
    ['if else', '{{if .Empty}}y{{else}}n{{end}}', 'n'],
    ['empty values are false', '{{if .Zero}}1{{end}}{{if .None}}2{{end}}{{if .Nope}}3{{end}}{{if .List}}4{{end}}', '4'],
    ['else if chain', '{{if eq .Code 401}}a{{else if eq .Code 403}}b{{else}}c{{end}}', 'b'],
    ['else if falls to else', '{{if eq .Code 1}}a{{else if eq .Code 2}}b{{else}}c{{end}}', 'c'],
    [
      'nested if/else',
      '{{if .Yes}}{{if .No}}x{{else}}{{if .Name}}[{{.Name}}]{{else}}y{{end}}{{end}}{{else}}z{{end}}',
      '[Ada]',
    ],
    ['eq with number', '{{if eq .Code 403}}forbidden{{end}}', 'forbidden'],
    ['eq with string', '{{if eq .Name "Ada"}}hi{{end}}', 'hi'],
    ['eq with several candidates', '{{if eq .Code 401 403 500}}hit{{end}}', 'hit'],
    ['eq with trusted HTML compares text', '{{if eq .Footer "-"}}none{{end}}', 'none'],
    ['eq with a missing field is false', '{{if eq .Nope "x"}}y{{else}}n{{end}}', 'n'],
    ['ne', '{{if ne .Code 200}}error{{end}}{{if ne .Name "Ada"}}x{{end}}', 'error'],
    ['lt le gt ge', '{{if lt 1 2}}a{{end}}{{if le 2 2}}b{{end}}{{if gt .Code 399}}c{{end}}{{if ge "b" "a"}}d{{end}}', 'abcd'],
    ['and or not', '{{if and .Yes .Name}}a{{end}}{{if or .No .Empty}}b{{end}}{{if not .No}}c{{end}}', 'ac'],
    ['or returns the first true operand', '{{or .Empty .Name "x"}}', 'Ada'],
    ['and returns the first false operand', '[{{and .Name .Empty "x"}}]', '[]'],
    ['and short-circuits', '{{if and .No (len 3)}}x{{else}}ok{{end}}', 'ok'],
    ['or short-circuits', '{{if or .Yes (len 3)}}ok{{end}}', 'ok'],
    ['range', '{{range .List}}({{.}}){{end}}', '(a)(b)(c)'],
    ['range with index and element', '{{range $i, $e := .List}}{{$i}}={{$e}};{{end}}', '0=a;1=b;2=c;'],
    ['range with one variable', '{{range $e := .List}}{{$e}}{{end}}', 'abc'],
    ['range over a map is sorted by key', '{{range $k, $v := .Map}}{{$k}}{{$v}} {{end}}', 'a2 m3 z1 '],
    ['range else', '{{range .None}}x{{else}}empty{{end}}', 'empty'],
    ['range over missing field', '{{range .Nope}}x{{else}}empty{{end}}', 'empty'],
    ['range over an integer', '{{range 3}}{{.}}{{end}}', '012'],
    ['break', '{{range .List}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}', 'a'],
    ['continue', '{{range .List}}{{if eq . "b"}}{{continue}}{{end}}{{.}}{{end}}', 'ac'],
    ['nested range with $', '{{range .User.Groups}}{{$.Name}}:{{.}} {{end}}', 'Ada:admins Ada:dev '],
    ['with else', '{{with .Nope}}x{{else}}none{{end}}', 'none'],
    ['else with', '{{with .Nope}}x{{else with .Name}}{{.}}{{end}}', 'Ada'],
    ['variables', '{{$x := .Name}}{{$x}}{{$x = "Bob"}} {{$x}}', 'Ada Bob'],
    ['variable scope ends with the block', '{{$x := 1}}{{if .Yes}}{{$x := 2}}{{$x}}{{end}}{{$x}}', '21'],
    ['assignment inside a block reaches the outer variable', '{{$x := 1}}{{if .Yes}}{{$x = 2}}{{end}}{{$x}}', '2'],
    ['if with declaration', '{{if $e := .User.Email}}{{$e}}{{end}}', 'ada@example.com'],
    ['variable field access', '{{$u := .User}}{{$u.Email}}', 'ada@example.com'],
    ['parenthesised pipeline and chained field', '{{(.User).Email}} {{len (index .User.Groups 0)}}', 'ada@example.com 6'],
    ['comment', 'a{{/* a comment */}}b', 'ab'],
    ['multi-line comment', 'a{{/*\n  line one\n  line two\n*/}}b', 'ab'],
    ['comment with trims', 'a  {{- /* c */ -}}  b', 'ab'],
    ['left trim', 'a \n\t {{- .Name}}', 'aAda'],
    ['right trim', '{{.Name -}} \n\t b', 'Adab'],
    ['both trims', '<p>\n  {{- .Name -}}\n</p>', '<p>Ada</p>'],
    ['trim marker needs a space, -3 is a number', '{{-3}}', '-3'],
    ['define and template', '{{define "x"}}[{{.}}]{{end}}{{template "x" .Name}}', '[Ada]'],
    ['template without data gets nothing', '{{define "x"}}[{{.}}]{{end}}{{template "x"}}', '[]'],
    ['$ inside a called template is its data', '{{define "x"}}{{$.Email}}{{end}}{{template "x" .User}}', 'ada@example.com'],
    ['block renders its body', '{{block "b" .Name}}({{.}}){{end}}!', '(Ada)!'],
    ['printf', '{{printf "%s has %d items (%v) %q" .Name 3 .Yes "x"}}', 'Ada has 3 items (true) &#34;x&#34;'],
    ['printf padding and missing args', '{{printf "%05d|%-4s|%s" 42 "ab"}}', '00042|ab  |%!s(MISSING)'],
    ['print and println', '{{print "a" 1 2 "b"}}|{{println "x" 1}}', 'a1 2b|x 1\n'],
    ['pipes pass the last argument', '{{.Name | printf "<%s>"}}', '&lt;Ada&gt;'],
    ['html is not escaped twice', '{{"<b>" | html}}', '&lt;b&gt;'],
    ['urlquery', '{{urlquery "a b&c/d"}}', 'a+b%26c%2Fd'],
    ['js', '{{js "it\'s"}}', 'it\\u0027s'],
    ['len', '{{len .List}} {{len .Name}} {{len .Map}} {{len "é"}}', '3 3 3 2'],
    ['index', '{{index .List 1}} {{index .Map "m"}} {{index .User "Email"}}', 'b 3 ada@example.com'],
    ['slice', '{{slice .Name 1 3}} {{slice .List 1}}', 'da [b c]'],
    ['ToUpper and ToLower', '{{ToUpper .Name}} {{.Name | ToLower}}', 'ADA ada'],
    ['string escapes', '{{"tab\\tquote\\" \\u00e9 \\x41"}}', 'tab\tquote&#34; é A'],
    ['raw string', '{{`a\\nb`}}', 'a\\nb'],
    ['char constant and hex number', "{{'a'}} {{0x1F}} {{1_000}}", '97 31 1000'],
    ['nil compares equal to a missing field', '{{if eq .Nope nil}}nil{{end}}', 'nil'],
    ['own properties only', '{{.constructor}}{{.toString}}{{.__proto__}}', ''],
    ['text without actions', 'plain <b>text</b>', 'plain <b>text</b>'],
    ['lone braces are text', 'a { b } c }}', 'a { b } c }}'],
  ];
  for (const [name, src, want] of cases) {
    test(name, () => {
      assert.equal(render(src, { ...data, Footer: new TrustedHtml('-') }), want);
    });
  }

  test('range escapes each element', () => {
    assert.equal(render('{{range .}}<li>{{.}}</li>{{end}}', ['<a>', '&']), '<li>&lt;a&gt;</li><li>&amp;</li>');
  });

  test('a template is parsed once and rendered many times with different data', () => {
    const set = new TemplateSet();
    set.add('t', '{{range .}}<a href="/x?q={{.}}">{{.}}</a>{{end}}');
    assert.equal(set.execute('t', ['a b']), '<a href="/x?q=a%20b">a b</a>');
    assert.equal(set.execute('t', ['c&d', 'e']), '<a href="/x?q=c%26d">c&amp;d</a><a href="/x?q=e">e</a>');
  });
});

describe('Go template parse errors name the file and line', () => {
  const cases: [string, string, number, RegExp][] = [
    ['unclosed action', 'line1\n{{.Name', 2, /unclosed action/],
    ['unexpected end', 'a\nb\n{{end}}', 3, /unexpected \{\{end\}\}/],
    ['unexpected else', '{{else}}', 1, /unexpected \{\{else\}\}/],
    ['missing end', '{{if .X}}\nhello\n', 3, /unexpected EOF/],
    ['unknown function', '\n\n\n{{ frobnicate .X }}', 4, /function "frobnicate" not defined/],
    ['unknown function in a pipe', '{{ .X | nope }}', 1, /function "nope" not defined/],
    ['undefined variable', '{{$x}}', 1, /undefined variable "\$x"/],
    ['variable out of scope', '{{if .A}}{{$y := 1}}{{end}}\n{{$y}}', 2, /undefined variable "\$y"/],
    ['assignment to undeclared variable', '{{$z = 1}}', 1, /undefined variable "\$z"/],
    ['else if inside range', '{{range .L}}{{else if .X}}{{end}}', 1, /expected end/],
    ['break outside range', '{{if .X}}{{break}}{{end}}', 1, /outside \{\{range\}\}/],
    ['nested define', '{{if .X}}\n{{define "a"}}{{end}}{{end}}', 2, /only allowed at the top level/],
    ['define without a name', '{{define}}x{{end}}', 1, /template name/],
    ['unterminated string', '{{ "abc }}', 1, /unterminated quoted string/],
    ['bad character', '{{ .A # }}', 1, /unexpected "#"/],
    ['unclosed comment', 'a\n{{/* never closed', 2, /unclosed comment/],
    ['empty action', '{{ }}', 1, /missing value for command/],
    ['nil as a command', '{{ nil }}', 1, /nil is not a command/],
    ['missing space between operands', '{{ printf "%s""x" }}', 1, /missing space/],
    ['non-function in a pipeline', '{{ .A | .B }}', 1, /non executable command/],
    ['pipe with nothing after it', '{{ .A | }}', 1, /missing command after \|/],
    ['template call to an unknown template', 'x\n{{template "nowhere" .}}', 2, /no such template "nowhere"/],
  ];
  for (const [name, src, line, re] of cases) {
    test(name, () => {
      const err = parseError(src);
      assert.equal(err.file, 't');
      assert.equal(err.line, line, err.message);
      assert.match(err.message, re);
      assert.ok(err.message.startsWith(`t:${line}: `), err.message);
    });
  }

  test('the line is counted across raw strings and comments', () => {
    const err = parseError('{{`a\nb`}}\n{{/* x\ny */}}\n{{ bogus }}');
    assert.equal(err.line, 5);
    assert.equal(parseError('{{-\n/* x */ -}}\n{{ bogus }}').line, 3);
  });
});

describe('Go template execution errors', () => {
  test('runaway recursion stops', () => {
    assert.throws(() => render('{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}'), TemplateExecError);
  });
  test('wrong number of arguments', () => {
    assert.throws(() => render('{{ not 1 2 }}'), /wrong number of args for not/);
  });
  test('a field given arguments', () => {
    assert.throws(() => render('{{ .Name "x" }}', data), /not a method/);
  });
  test('index out of range', () => {
    assert.throws(() => render('{{ index .List 7 }}', data), /out of range/);
  });
});

describe('template namespace, as oauth2-proxy loads files', () => {
  test('a file holding only a define is looked up by the define name', () => {
    const set = new TemplateSet();
    set.add('sign_in.html', '\n{{define "sign_in.html"}}<p>{{.Name}}</p>{{end}}\n');
    assert.equal(set.execute('sign_in.html', { Name: 'x' }), '<p>x</p>');
  });

  test('a whitespace-only body does not replace an existing template', () => {
    const set = new TemplateSet();
    set.add('a', 'first');
    set.add('a', '  \n {{/* just a comment */}} \n');
    assert.equal(set.execute('a', {}), 'first');
  });

  test('later files may redefine templates and share definitions', () => {
    const set = new TemplateSet();
    set.add('sign_in.html', '{{define "layout"}}<main>{{template "content" .}}</main>{{end}}{{define "content"}}old{{end}}{{template "layout" .}}');
    set.add('error.html', '{{define "content"}}new {{.}}{{end}}{{template "layout" "err"}}');
    set.verify();
    assert.equal(set.execute('sign_in.html', 'in'), '<main>new in</main>');
    assert.equal(set.execute('error.html', {}), '<main>new err</main>');
  });

  test('a byte-order mark is ignored', () => {
    const set = new TemplateSet();
    set.add('t', '\uFEFF{{.A}}');
    assert.equal(set.execute('t', { A: 1 }), '1');
  });
});
