// Tokeniser for the Go text/template syntax used by oauth2-proxy page templates.

import { TemplateError } from './errors.js';

export type TokenKind =
  | 'text'
  | 'open'
  | 'close'
  | 'pipe'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'declare'
  | 'assign'
  | 'field'
  | 'dot'
  | 'variable'
  | 'string'
  | 'number'
  | 'bool'
  | 'nil'
  | 'ident'
  | 'keyword'
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** Source text, or for string/field/variable tokens the decoded name or value. */
  value: string;
  num?: number;
  line: number;
  /** Whether whitespace preceded the token inside an action; `.A.B` and `.A .B` differ only by this. */
  spaced: boolean;
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isIdentStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const IDENT_REST = /[A-Za-z0-9_]*/y;
const NUMBER =
  /[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)/y;

function countLines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

export function lex(file: string, src: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let trimNext = false;

  const fail = (msg: string, at = line): never => {
    throw new TemplateError(file, at, msg);
  };

  while (pos <= src.length) {
    const open = src.indexOf('{{', pos);
    const textEnd = open < 0 ? src.length : open;
    const leftTrim = open >= 0 && src[open + 2] === '-' && isSpace(src[open + 3]);
    let text = src.slice(pos, textEnd);
    const textLine = line;
    line += countLines(text);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (leftTrim) text = text.replace(/[ \t\r\n]+$/, '');
    trimNext = false;
    if (text !== '') tokens.push({ kind: 'text', value: text, line: textLine, spaced: false });
    if (open < 0) break;

    pos = open + (leftTrim ? 3 : 2);
    const actionLine = line;

    // A comment must directly follow the delimiter and directly precede the closing one.
    let p = pos;
    if (leftTrim) while (isSpace(src[p])) p++;
    if (src.startsWith('/*', p)) {
      line += countLines(src.slice(pos, p));
      const end = src.indexOf('*/', p + 2);
      if (end < 0) fail('unclosed comment', actionLine);
      line += countLines(src.slice(p, end));
      const q = end + 2;
      if (src.startsWith('}}', q)) {
        pos = q + 2;
      } else {
        let r = q;
        while (isSpace(src[r])) r++;
        if (r > q && src.startsWith('-}}', r)) {
          line += countLines(src.slice(q, r));
          pos = r + 3;
          trimNext = true;
        } else {
          fail('comment ends before closing delimiter', line);
        }
      }
      continue;
    }

    tokens.push({ kind: 'open', value: '{{', line: actionLine, spaced: false });
    let spaced = leftTrim;
    const push = (kind: TokenKind, value: string, num?: number): void => {
      tokens.push({ kind, value, num, line, spaced });
      spaced = false;
    };

    for (;;) {
      if (pos >= src.length) fail('unclosed action', actionLine);
      const c = src[pos];
      if (isSpace(c)) {
        while (isSpace(src[pos])) {
          if (src[pos] === '\n') line++;
          pos++;
        }
        if (src.startsWith('-}}', pos)) {
          pos += 3;
          trimNext = true;
          push('close', '}}');
          break;
        }
        spaced = true;
        continue;
      }
      if (src.startsWith('}}', pos)) {
        pos += 2;
        push('close', '}}');
        break;
      }
      switch (c) {
        case '|':
          push('pipe', c);
          pos++;
          continue;
        case '(':
          push('lparen', c);
          pos++;
          continue;
        case ')':
          push('rparen', c);
          pos++;
          continue;
        case ',':
          push('comma', c);
          pos++;
          continue;
        case '=':
          push('assign', c);
          pos++;
          continue;
        case ':':
          if (src[pos + 1] !== '=') fail('expected :=');
          push('declare', ':=');
          pos += 2;
          continue;
        case '"': {
          const end = scanQuoted(src, pos, '"');
          if (end < 0) fail('unterminated quoted string');
          push('string', unquote(src.slice(pos + 1, end), fail));
          pos = end + 1;
          continue;
        }
        case '`': {
          const end = src.indexOf('`', pos + 1);
          if (end < 0) fail('unterminated raw quoted string');
          const raw = src.slice(pos + 1, end);
          push('string', raw);
          line += countLines(raw);
          pos = end + 1;
          continue;
        }
        case "'": {
          const end = scanQuoted(src, pos, "'");
          if (end < 0) fail('unterminated character constant');
          const ch = unquote(src.slice(pos + 1, end), fail);
          const cp = ch.codePointAt(0);
          if (cp === undefined || String.fromCodePoint(cp) !== ch) fail(`malformed character constant: ${src.slice(pos, end + 1)}`);
          push('number', src.slice(pos, end + 1), cp);
          pos = end + 1;
          continue;
        }
        case '$': {
          IDENT_REST.lastIndex = pos + 1;
          const m = IDENT_REST.exec(src);
          const name = '$' + (m ? m[0] : '');
          push('variable', name);
          pos += name.length;
          continue;
        }
        case '.': {
          if (isIdentStart(src[pos + 1])) {
            IDENT.lastIndex = pos + 1;
            const name = IDENT.exec(src)![0];
            push('field', name);
            pos += 1 + name.length;
            continue;
          }
          if (!/[0-9]/.test(src[pos + 1] ?? '')) {
            push('dot', '.');
            pos++;
            continue;
          }
          break; // a number such as .5
        }
      }
      if (/[0-9+\-.]/.test(c)) {
        NUMBER.lastIndex = pos;
        const m = NUMBER.exec(src);
        if (!m) fail(`bad character ${JSON.stringify(c)}`);
        const lit = m![0];
        if (/[A-Za-z0-9_.]/.test(src[pos + lit.length] ?? '')) fail(`bad number syntax: "${lit}${src[pos + lit.length]}"`);
        push('number', lit, parseNumber(lit, fail));
        pos += lit.length;
        continue;
      }
      if (isIdentStart(c)) {
        IDENT.lastIndex = pos;
        const word = IDENT.exec(src)![0];
        if (word === 'true' || word === 'false') push('bool', word);
        else if (word === 'nil') push('nil', word);
        else if (KEYWORDS.has(word)) push('keyword', word);
        else push('ident', word);
        pos += word.length;
        continue;
      }
      fail(`unexpected ${JSON.stringify(c)} in action`);
    }
  }
  tokens.push({ kind: 'eof', value: '', line, spaced: false });
  return tokens;
}

/** Index of the closing quote, honouring backslash escapes; -1 if the literal is unterminated on this line. */
function scanQuoted(src: string, start: number, quote: string): number {
  for (let i = start + 1; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === quote) return i;
    else if (c === '\n') return -1;
  }
  return -1;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** Decodes Go string-literal escapes (\n, \xHH, \uHHHH, \UHHHHHHHH, octal). */
function unquote(body: string, fail: (msg: string) => never): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e !== undefined && e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      continue;
    }
    let hex: string | undefined;
    if (e === 'x') hex = body.slice(i + 1, i + 3);
    else if (e === 'u') hex = body.slice(i + 1, i + 5);
    else if (e === 'U') hex = body.slice(i + 1, i + 9);
    if (hex !== undefined) {
      const want = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      if (hex.length !== want || !/^[0-9a-fA-F]+$/.test(hex)) fail('invalid escape in string literal');
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) fail('invalid escape in string literal');
      out += String.fromCodePoint(cp);
      i += want;
      continue;
    }
    const oct = body.slice(i, i + 3);
    if (/^[0-7]{3}$/.test(oct)) {
      out += String.fromCharCode(parseInt(oct, 8));
      i += 2;
      continue;
    }
    fail('invalid escape in string literal');
  }
  return out;
}

function parseNumber(lit: string, fail: (msg: string) => never): number {
  let s = lit.replace(/_/g, '');
  let sign = 1;
  if (s[0] === '+' || s[0] === '-') {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  let n: number;
  if (/^0[0-7]+$/.test(s)) n = parseInt(s, 8);
  else if (/^0[oO]/.test(s)) n = parseInt(s.slice(2), 8);
  else n = Number(s);
  if (Number.isNaN(n)) fail(`bad number syntax: "${lit}"`);
  return sign * n;
}
