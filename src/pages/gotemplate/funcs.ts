// Go template builtins (plus the ToUpper/ToLower that oauth2-proxy registers), with Go's truthiness
// and comparison rules. `and`/`or` are evaluated lazily by the executor and are only named here.

import { TrustedHtml, escapeHtml } from '../html.js';
import { JsEscaped, UrlEscaped, escapeJsString, queryEscape, stringify } from './context.js';

export type Builtin = (args: unknown[]) => unknown;

const isStringish = (v: unknown): boolean =>
  typeof v === 'string' || v instanceof TrustedHtml || v instanceof UrlEscaped || v instanceof JsEscaped;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Map) && !isStringish(v);

export function truth(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
  if (typeof v === 'bigint') return v !== 0n;
  if (isStringish(v)) return stringify(v).length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Go's fmt.Sprint: operands are separated by a space only when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    if (i > 0 && !isStringish(args[i - 1]) && !isStringish(args[i])) out += ' ';
    out += stringify(args[i]);
  }
  return out;
}

function goType(v: unknown): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (isStringish(v)) return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** A useful subset of Go's fmt verbs: %v %s %q %d %t %x %X %f %e %g %%, with width, precision and `-`/`0` flags. */
export function sprintf(format: string, args: unknown[]): string {
  let next = 0;
  const out = format.replace(/%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g, (_m, flags: string, width?: string, prec?: string, verb?: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) return `%!${verb}(MISSING)`;
    const a = args[next++];
    const p = prec === undefined ? undefined : Number(prec);
    let s: string;
    const bad = (): string => `%!${verb}(${goType(a)}=${stringify(a)})`;
    switch (verb) {
      case 'v':
        s = stringify(a);
        break;
      case 's':
        s = stringify(a);
        if (p !== undefined) s = [...s].slice(0, p).join('');
        break;
      case 'q':
        s = typeof a === 'number' ? `'${String.fromCodePoint(a)}'` : JSON.stringify(stringify(a));
        break;
      case 'd':
        s = typeof a === 'number' && Number.isInteger(a) ? (flags.includes('+') && a >= 0 ? '+' : '') + String(a) : bad();
        break;
      case 't':
        s = typeof a === 'boolean' ? String(a) : bad();
        break;
      case 'x':
      case 'X':
        if (typeof a === 'number' && Number.isInteger(a)) s = a.toString(16);
        else if (isStringish(a)) s = Buffer.from(stringify(a), 'utf8').toString('hex');
        else s = bad();
        if (verb === 'X') s = s.toUpperCase();
        break;
      case 'f':
      case 'F':
        s = typeof a === 'number' ? a.toFixed(p ?? 6) : bad();
        break;
      case 'e':
        s = typeof a === 'number' ? a.toExponential(p ?? 6).replace(/e([+-])(\d)$/, 'e$10$2') : bad();
        break;
      case 'g':
        s = typeof a === 'number' ? String(a) : bad();
        break;
      default:
        s = bad();
    }
    const w = width === undefined ? 0 : Number(width);
    if (s.length < w) {
      if (flags.includes('-')) s = s.padEnd(w);
      else if (flags.includes('0') && typeof a === 'number') s = s.startsWith('-') ? '-' + s.slice(1).padStart(w - 1, '0') : s.padStart(w, '0');
      else s = s.padStart(w);
    }
    return s;
  });
  if (next < args.length) {
    return out + '%!(EXTRA ' + args.slice(next).map((a) => `${goType(a)}=${stringify(a)}`).join(', ') + ')';
  }
  return out;
}

type Basic = { kind: 'string' | 'number' | 'bool' | 'nil'; value: unknown };

function basic(v: unknown): Basic | null {
  if (v === undefined || v === null) return { kind: 'nil', value: null };
  if (isStringish(v)) return { kind: 'string', value: stringify(v) };
  if (typeof v === 'number') return { kind: 'number', value: v };
  if (typeof v === 'bigint') return { kind: 'number', value: Number(v) };
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  return null;
}

function eq(args: unknown[]): boolean {
  if (args.length < 2) throw new Error('missing argument for comparison');
  const a = basic(args[0]);
  if (a === null) throw new Error(`non-comparable type ${stringify(args[0])}`);
  for (const other of args.slice(1)) {
    const b = basic(other);
    if (b === null) throw new Error(`non-comparable type ${stringify(other)}`);
    // Go reports mismatched kinds as an error; a missing field compared with a literal should
    // just be unequal so the page still renders.
    if (a.kind === b.kind && a.value === b.value) return true;
  }
  return false;
}

function ordered(name: string, args: unknown[]): [number | string, number | string] {
  arity(name, args, 2);
  const a = basic(args[0]);
  const b = basic(args[1]);
  if (a === null || b === null || a.kind !== b.kind || (a.kind !== 'number' && a.kind !== 'string')) {
    throw new Error(`incompatible types for comparison`);
  }
  return [a.value as number | string, b.value as number | string];
}

function arity(name: string, args: unknown[], want: number): void {
  if (args.length !== want) throw new Error(`wrong number of args for ${name}: want ${want} got ${args.length}`);
}

function byteLength(v: unknown): number {
  return Buffer.byteLength(stringify(v), 'utf8');
}

function len(v: unknown): number {
  if (isStringish(v)) return byteLength(v);
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (isPlainObject(v)) return Object.keys(v).length;
  throw new Error(`len of type ${goType(v)}`);
}

function index(args: unknown[]): unknown {
  if (args.length < 1) throw new Error('wrong number of args for index: want at least 1 got 0');
  let v = args[0];
  for (const k of args.slice(1)) {
    if (Array.isArray(v) || isStringish(v)) {
      const seq: unknown[] | Buffer = Array.isArray(v) ? v : Buffer.from(stringify(v), 'utf8');
      if (typeof k !== 'number' || !Number.isInteger(k)) throw new Error(`cannot index slice/array with type ${goType(k)}`);
      if (k < 0 || k >= seq.length) throw new Error(`error calling index: index out of range: ${k}`);
      v = seq[k];
    } else if (v instanceof Map) {
      v = v.get(k);
    } else if (isPlainObject(v)) {
      const key = stringify(k);
      v = Object.hasOwn(v, key) ? v[key] : undefined;
    } else if (v === undefined || v === null) {
      return undefined;
    } else {
      throw new Error(`can't index item of type ${goType(v)}`);
    }
  }
  return v;
}

function slice(args: unknown[]): unknown {
  if (args.length < 1 || args.length > 4) throw new Error(`wrong number of args for slice: want 1-4 got ${args.length}`);
  const [item, ...idx] = args;
  if (!idx.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0)) throw new Error('slice: indexes must be non-negative integers');
  const nums = idx as number[];
  if (isStringish(item)) {
    if (nums.length > 2) throw new Error('cannot 3-index slice a string');
    const s = stringify(item);
    const lo = nums[0] ?? 0;
    const hi = nums[1] ?? s.length;
    if (lo > hi || hi > s.length) throw new Error(`slice: index out of range`);
    return s.slice(lo, hi);
  }
  if (Array.isArray(item)) {
    const lo = nums[0] ?? 0;
    const hi = nums[1] ?? item.length;
    if (lo > hi || hi > item.length) throw new Error(`slice: index out of range`);
    return item.slice(lo, hi);
  }
  throw new Error(`can't slice item of type ${goType(item)}`);
}

/** Go evaluates escaping functions on a single string as-is and on anything else via fmt.Sprint. */
const escaperInput = (args: unknown[]): string => (args.length === 1 && isStringish(args[0]) ? stringify(args[0]) : sprint(args));

export const BUILTINS: Readonly<Record<string, Builtin>> = {
  not: (a) => {
    arity('not', a, 1);
    return !truth(a[0]);
  },
  len: (a) => {
    arity('len', a, 1);
    return len(a[0]);
  },
  index,
  slice,
  print: (a) => sprint(a),
  println: (a) => a.map(stringify).join(' ') + '\n',
  printf: (a) => {
    if (a.length < 1) throw new Error('wrong number of args for printf: want at least 1 got 0');
    return sprintf(stringify(a[0]), a.slice(1));
  },
  // Results are marked as escaped so the auto-escaper does not encode them a second time.
  html: (a) => new TrustedHtml(escapeHtml(escaperInput(a))),
  js: (a) => new JsEscaped(escapeJsString(escaperInput(a))),
  urlquery: (a) => new UrlEscaped(queryEscape(escaperInput(a))),
  eq: (a) => eq(a),
  ne: (a) => {
    arity('ne', a, 2);
    return !eq(a);
  },
  lt: (a) => {
    const [x, y] = ordered('lt', a);
    return x < y;
  },
  le: (a) => {
    const [x, y] = ordered('le', a);
    return x <= y;
  },
  gt: (a) => {
    const [x, y] = ordered('gt', a);
    return x > y;
  },
  ge: (a) => {
    const [x, y] = ordered('ge', a);
    return x >= y;
  },
  ToUpper: (a) => {
    arity('ToUpper', a, 1);
    return stringify(a[0]).toUpperCase();
  },
  ToLower: (a) => {
    arity('ToLower', a, 1);
    return stringify(a[0]).toLowerCase();
  },
};

export const FUNC_NAMES: ReadonlySet<string> = new Set([...Object.keys(BUILTINS), 'and', 'or']);
