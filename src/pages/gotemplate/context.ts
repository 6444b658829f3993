// Contextual auto-escaping in the manner of Go's html/template: the executor tracks where in the HTML
// document each action lands (element text, a quoted or unquoted attribute, a URL attribute and which
// part of the URL, a script, a style, a comment) and escapes the value for exactly that place.
// Templates written for oauth2-proxy rely on this, e.g. `<form action="{{.Redirect}}">` must not
// become a javascript: URL.

import {
  TrustedHtml,
  escapeHtml,
  escapeHtmlNormalized,
  escapeHtmlUnquoted,
  hasSafeScheme,
  stripTags,
} from '../html.js';

export type State =
  | 'text'
  | 'rcdata'
  | 'tag'
  | 'attrName'
  | 'afterName'
  | 'beforeValue'
  | 'attr'
  | 'comment'
  | 'js'
  | 'css';
export type AttrType = 'normal' | 'url' | 'js' | 'css' | 'srcset';
export type JsState = 'expr' | 'regexp' | 'reclass' | 'dq' | 'sq' | 'tmpl' | 'line' | 'block';

export interface Ctx {
  readonly state: State;
  /** The raw-text element being opened (in a tag) or whose body we are in. */
  readonly el: '' | 'script' | 'style' | 'textarea' | 'title';
  readonly attr: AttrType;
  readonly delim: '' | '"' | "'" | ' ';
  readonly url: 'start' | 'pre' | 'query';
  readonly js: JsState;
  /** Whether a `/` here would be division rather than the start of a regular expression. */
  readonly jsDiv: boolean;
}

export const TEXT_CONTEXT: Ctx = Object.freeze({
  state: 'text',
  el: '',
  attr: 'normal',
  delim: '',
  url: 'start',
  js: 'expr',
  jsDiv: false,
});

export function contextKey(c: Ctx): string {
  return `${c.state}|${c.el}|${c.attr}|${c.delim}|${c.url}|${c.js}|${c.jsDiv ? 1 : 0}`;
}

/** Output of the `urlquery` function: already percent-encoded, so URL contexts must not encode it again. */
export class UrlEscaped {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Output of the `js` function: already safe inside a JS string literal. */
export class JsEscaped {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const FAILSAFE = 'ZgotmplZ';

const URL_ATTRS = new Set([
  'action',
  'archive',
  'background',
  'cite',
  'classid',
  'codebase',
  'data',
  'formaction',
  'href',
  'icon',
  'longdesc',
  'manifest',
  'poster',
  'profile',
  'src',
  'usemap',
  'xmlns',
]);

export function attrType(name: string): AttrType {
  let n = name.toLowerCase();
  if (n.startsWith('data-')) {
    n = n.slice(5);
  } else if (n.includes(':')) {
    if (n.startsWith('xmlns')) return 'url';
    n = n.slice(n.indexOf(':') + 1);
  }
  if (n === 'style') return 'css';
  if (n === 'srcset') return 'srcset';
  if (URL_ATTRS.has(n)) return 'url';
  if (n.startsWith('on')) return 'js';
  if (n.includes('src') || n.includes('uri') || n.includes('url')) return 'url';
  return 'normal';
}

const RAW_ELEMENTS: Record<string, Ctx['el']> = { script: 'script', style: 'style', textarea: 'textarea', title: 'title' };

const isWs = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';

/** The context after `text` is emitted in context `start`. */
export function advance(start: Ctx, text: string): Ctx {
  const c = { ...start } as { -readonly [K in keyof Ctx]: Ctx[K] };
  let i = 0;
  const n = text.length;
  const enterTag = (el: Ctx['el']): void => {
    c.state = 'tag';
    c.el = el;
    c.attr = 'normal';
    c.delim = '';
  };
  const readTagName = (): void => {
    let closing = false;
    if (text[i] === '/') {
      closing = true;
      i++;
    }
    const m = /^[A-Za-z][A-Za-z0-9:-]*/.exec(text.slice(i, i + 64));
    if (!m) return; // a lone `<`, as in "a < b", is text
    i += m[0].length;
    enterTag(closing ? '' : (RAW_ELEMENTS[m[0].toLowerCase()] ?? ''));
  };

  while (i < n) {
    switch (c.state) {
      case 'text': {
        const lt = text.indexOf('<', i);
        if (lt < 0) {
          i = n;
          break;
        }
        i = lt + 1;
        if (text.startsWith('!--', i)) {
          c.state = 'comment';
          i += 3;
        } else {
          readTagName();
        }
        break;
      }
      case 'comment': {
        const end = text.indexOf('-->', i);
        if (end < 0) {
          i = n;
        } else {
          i = end + 3;
          c.state = 'text';
        }
        break;
      }
      case 'tag': {
        while (isWs(text[i])) i++;
        if (i >= n) break;
        const ch = text[i];
        if (ch === '>') {
          i++;
          c.attr = 'normal';
          if (c.el === 'script') {
            c.state = 'js';
            c.js = 'expr';
            c.jsDiv = false;
          } else if (c.el === 'style') {
            c.state = 'css';
          } else if (c.el === 'textarea' || c.el === 'title') {
            c.state = 'rcdata';
          } else {
            c.state = 'text';
          }
        } else if (ch === '/') {
          i++;
        } else {
          c.state = 'attrName';
          c.attr = 'normal';
        }
        break;
      }
      case 'attrName': {
        const m = /^[^\s=>/]+/.exec(text.slice(i));
        if (m) {
          c.attr = attrType(m[0]);
          i += m[0].length;
        }
        if (i < n) c.state = 'afterName';
        break;
      }
      case 'afterName': {
        while (isWs(text[i])) i++;
        if (i >= n) break;
        if (text[i] === '=') {
          i++;
          c.state = 'beforeValue';
        } else {
          c.state = 'tag';
        }
        break;
      }
      case 'beforeValue': {
        while (isWs(text[i])) i++;
        if (i >= n) break;
        const ch = text[i];
        c.url = 'start';
        c.js = 'expr';
        c.jsDiv = false;
        if (ch === '"' || ch === "'") {
          c.delim = ch;
          i++;
          c.state = 'attr';
        } else if (ch === '>') {
          c.state = 'tag';
        } else {
          c.delim = ' ';
          c.state = 'attr';
        }
        break;
      }
      case 'attr': {
        let end: number;
        if (c.delim === ' ') {
          const m = /[\s>]/.exec(text.slice(i));
          end = m ? i + m.index : -1;
        } else {
          end = text.indexOf(c.delim, i);
        }
        const value = text.slice(i, end < 0 ? n : end);
        if (c.attr === 'url' || c.attr === 'srcset') {
          if (value !== '') c.url = /[?#]/.test(value) || c.url === 'query' ? 'query' : 'pre';
        } else if (c.attr === 'js') {
          advanceJs(c, decodeEntities(value));
        }
        if (end < 0) {
          i = n;
        } else {
          i = c.delim === ' ' ? end : end + 1;
          c.state = 'tag';
          c.delim = '';
          c.attr = 'normal';
        }
        break;
      }
      case 'js':
      case 'css':
      case 'rcdata': {
        const closer = c.state === 'js' ? 'script' : c.state === 'css' ? 'style' : c.el;
        const re = new RegExp(`</${closer}(?=[\\s/>]|$)`, 'i');
        const m = re.exec(text.slice(i));
        const end = m ? i + m.index : n;
        if (c.state === 'js') advanceJs(c, text.slice(i, end));
        if (m) {
          i = end + 1;
          readTagName();
        } else {
          i = n;
        }
        break;
      }
    }
  }
  return Object.freeze(c);
}

function advanceJs(c: { js: JsState; jsDiv: boolean }, s: string): void {
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    switch (c.js) {
      case 'expr':
        if (ch === '"') c.js = 'dq';
        else if (ch === "'") c.js = 'sq';
        else if (ch === '`') c.js = 'tmpl';
        else if (ch === '/') {
          if (s[i + 1] === '/') {
            c.js = 'line';
            i++;
          } else if (s[i + 1] === '*') {
            c.js = 'block';
            i++;
          } else if (c.jsDiv) {
            c.jsDiv = false;
          } else {
            c.js = 'regexp';
          }
        } else if (/[A-Za-z0-9_$)\]]/.test(ch)) c.jsDiv = true;
        else if (!/\s/.test(ch)) c.jsDiv = false;
        break;
      case 'dq':
      case 'sq':
      case 'tmpl': {
        const q = c.js === 'dq' ? '"' : c.js === 'sq' ? "'" : '`';
        if (ch === '\\') i++;
        else if (ch === q) {
          c.js = 'expr';
          c.jsDiv = true;
        }
        break;
      }
      case 'regexp':
        if (ch === '\\') i++;
        else if (ch === '[') c.js = 'reclass';
        else if (ch === '/') {
          c.js = 'expr';
          c.jsDiv = true;
        }
        break;
      case 'reclass':
        if (ch === '\\') i++;
        else if (ch === ']') c.js = 'regexp';
        break;
      case 'line':
        if (ch === '\n' || ch === '\r' || ch === '\u2028' || ch === '\u2029') {
          c.js = 'expr';
          c.jsDiv = false;
        }
        break;
      case 'block':
        if (ch === '*' && s[i + 1] === '/') {
          c.js = 'expr';
          c.jsDiv = false;
          i++;
        }
        break;
    }
  }
}

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return named[e.toLowerCase()] ?? m;
  });
}

// ---- value → text -------------------------------------------------------------------------------

/** Go's %v for the values templates see; missing values print as nothing rather than "<no value>". */
export function stringify(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (v instanceof TrustedHtml) return v.html;
  if (v instanceof UrlEscaped || v instanceof JsEscaped) return v.text;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return '[' + v.map(stringify).join(' ') + ']';
  if (v instanceof Map) {
    const keys = [...v.keys()].sort();
    return 'map[' + keys.map((k) => `${stringify(k)}:${stringify(v.get(k))}`).join(' ') + ']';
  }
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return 'map[' + keys.map((k) => `${k}:${stringify((v as Record<string, unknown>)[k])}`).join(' ') + ']';
  }
  return String(v);
}

// ---- escapers -----------------------------------------------------------------------------------

/** Percent-encodes what may not appear in a URL; keeps reserved characters and existing escapes. */
export function normalizeUrl(s: string): string {
  return percentEncode(s, /[A-Za-z0-9\-._~!#$&*+,/:;=?@[\]%]/);
}

/** Percent-encodes everything but unreserved characters, for values inside a query or fragment. */
export function escapeUrlComponent(s: string): string {
  return percentEncode(s, /[A-Za-z0-9\-._~]/);
}

function percentEncode(s: string, keep: RegExp): string {
  let out = '';
  for (const ch of s) {
    if (ch.length === 1 && keep.test(ch)) {
      out += ch;
      continue;
    }
    for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go's url.QueryEscape: like encodeURIComponent but spaces become `+` and `!'()*` are encoded. */
export function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

const JS_STR_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": '\\u0027',
  '"': '\\u0022',
  '`': '\\u0060',
  $: '\\u0024',
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '=': '\\u003d',
  '+': '\\u002b',
  '/': '\\/',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** Escapes text for the inside of a JS string or template literal, also safe inside HTML attributes and <script>. */
export function escapeJsString(s: string): string {
  return s.replace(/[\\'"`$<>&=+/\n\r\t\u2028\u2029\0-\x1f\x7f]/g, (ch) => {
    return JS_STR_ESCAPES[ch] ?? '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');
  });
}

function escapeJsRegexp(s: string): string {
  if (s === '') return '(?:)'; // an empty value would turn `/{{.}}/` into a line comment
  return escapeJsString(s).replace(/[.|?*()[\]{}^]/g, (c) => '\\' + c);
}

/** A JS value literal for an expression position. */
export function jsValue(v: unknown): string {
  const json = JSON.stringify(v, (_k, x: unknown) => {
    if (x instanceof TrustedHtml || x instanceof UrlEscaped || x instanceof JsEscaped) return x.toString();
    if (x instanceof Map) return Object.fromEntries(x);
    if (typeof x === 'bigint') return Number(x);
    return x;
  });
  const safe = (json ?? 'null').replace(/[<>&'+\u2028\u2029]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
  // Padding stops a value merging with neighbouring tokens (`x-{{.}}` with -1 would read `x--1`).
  return ` ${safe} `;
}

function escapeJs(js: JsState, v: unknown): string {
  switch (js) {
    case 'expr':
      return jsValue(v);
    case 'dq':
    case 'sq':
    case 'tmpl':
      return v instanceof JsEscaped ? v.text : escapeJsString(stringify(v));
    case 'regexp':
    case 'reclass':
      return escapeJsRegexp(stringify(v));
    default:
      return ''; // inside a comment: Go drops the value, so do we
  }
}

/** Values in style attributes and <style> are limited to plain tokens; anything richer could smuggle url() or expressions. */
function filterCss(s: string): string {
  return /^[A-Za-z0-9#%.,\s-]*$/.test(s) && !/expression|javascript/i.test(s) ? s : FAILSAFE;
}

function escapeUrl(part: Ctx['url'], v: unknown): string {
  if (v instanceof UrlEscaped) return v.text;
  const s = stringify(v);
  switch (part) {
    case 'start':
      return hasSafeScheme(s) ? normalizeUrl(s) : '#' + FAILSAFE;
    case 'pre':
      return normalizeUrl(s);
    case 'query':
      return escapeUrlComponent(s);
  }
}

function escapeSrcset(v: unknown): string {
  return stringify(v)
    .split(',')
    .map((candidate) => {
      const t = candidate.trim();
      const sp = t.search(/\s/);
      const url = sp < 0 ? t : t.slice(0, sp);
      const desc = sp < 0 ? '' : t.slice(sp);
      if (!hasSafeScheme(url)) return '#' + FAILSAFE;
      if (!/^[\s\dwx.]*$/.test(desc)) return '#' + FAILSAFE;
      return normalizeUrl(url) + desc;
    })
    .join(', ');
}

/** Attribute names may only come from a template value when they are inert plain names. */
function filterAttrName(v: unknown): string {
  const s = stringify(v);
  return /^[A-Za-z0-9-]+$/.test(s) && attrType(s) === 'normal' ? s.toLowerCase() : FAILSAFE;
}

/** Escapes a value for the place it is emitted. */
export function escapeFor(ctx: Ctx, v: unknown): string {
  switch (ctx.state) {
    case 'text':
      return v instanceof TrustedHtml ? v.html : escapeHtml(stringify(v));
    case 'rcdata':
      return v instanceof TrustedHtml ? escapeHtmlNormalized(v.html) : escapeHtml(stringify(v));
    case 'comment':
      return '';
    case 'tag':
    case 'attrName':
    case 'afterName':
      return filterAttrName(v);
    case 'js':
      return escapeJs(ctx.js, v);
    case 'css':
      return filterCss(stringify(v));
    case 'beforeValue':
      return escapeAttr({ ...ctx, delim: ' ', url: 'start', js: 'expr', jsDiv: false }, v);
    case 'attr':
      return escapeAttr(ctx, v);
  }
}

function escapeAttr(ctx: Ctx, v: unknown): string {
  let inner: string;
  switch (ctx.attr) {
    case 'url':
      inner = escapeUrl(ctx.url, v);
      break;
    case 'srcset':
      inner = escapeSrcset(v);
      break;
    case 'js':
      inner = escapeJs(ctx.js, v);
      break;
    case 'css':
      inner = filterCss(stringify(v));
      break;
    case 'normal':
      if (v instanceof TrustedHtml) {
        const text = stripTags(v.html);
        return ctx.delim === ' ' ? escapeHtmlUnquoted(text) : escapeHtmlNormalized(text);
      }
      inner = stringify(v);
      break;
  }
  return ctx.delim === ' ' ? escapeHtmlUnquoted(inner) : escapeHtml(inner);
}
