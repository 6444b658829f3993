// The logging formats (--standard/auth/request-logging-format) in oauth2-proxy's Go text/template
// syntax. Log lines only ever use field references such as {{.Client}}, so this compiles exactly
// that subset (with Go's {{- -}} whitespace trimming) into a list of parts, once at start-up; a
// line is then a plain concatenation. Anything else is refused at start-up with the reason.

export type LogTemplate<V extends string> = (data: Readonly<Record<V, string>>) => string;

export type Compiled<V extends string> = { ok: true; render: LogTemplate<V>; uses: ReadonlySet<V> } | { ok: false; reason: string };

const ACTION = /\{\{(-\s)?\s*([\s\S]*?)\s*(\s-)?\}\}/g;

export function compileLogFormat<V extends string>(source: string, vars: readonly V[]): Compiled<V> {
  const known = new Set<string>(vars);
  const texts: string[] = [];
  const fields: V[] = [];
  let pending = '';
  let trimNext = false;
  let last = 0;
  for (const m of source.matchAll(ACTION)) {
    let text = source.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (m[1] !== undefined) text = text.replace(/\s+$/, '');
    pending += text;
    const body = m[2] ?? '';
    if (body.startsWith('/*') && body.endsWith('*/')) {
      // A comment renders nothing.
    } else {
      const field = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(body)?.[1];
      if (field === undefined) {
        return { ok: false, reason: `only field references such as {{.${vars[0] ?? 'Message'}}} are supported, not {{${body}}}` };
      }
      if (!known.has(field)) {
        return { ok: false, reason: `unknown field {{.${field}}} (available: ${vars.map((v) => `.${v}`).join(' ')})` };
      }
      texts.push(pending);
      fields.push(field as V);
      pending = '';
    }
    trimNext = m[3] !== undefined;
    last = m.index + m[0].length;
  }
  let tail = source.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  if (tail.includes('{{')) return { ok: false, reason: 'unterminated {{ action' };
  pending += tail;
  const n = fields.length;
  const render: LogTemplate<V> = (data) => {
    let out = '';
    for (let i = 0; i < n; i++) out += (texts[i] as string) + data[fields[i] as V];
    return out + pending;
  };
  return { ok: true, render, uses: new Set(fields) };
}

// Anything JSON.stringify would escape, or leave as non-ASCII.
const NEEDS_ESCAPE = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/;

/** Go's %q for the strings logged quoted (URI, User-Agent): double quotes, escapes for controls. */
export function goQuote(s: string): string {
  // Per request line, and nearly always plain printable ASCII: then quoting is all there is to do.
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  return JSON.stringify(s).replace(/\\u00([0-9a-f]{2})/g, '\\x$1');
}

/** Go's "2006/01/02 15:04:05" layout, in local time or UTC. */
export function goTimestamp(d: Date, local: boolean): string {
  // Every request line carries one, and it only changes once a second.
  const t = d.getTime();
  const second = Math.floor(t / 1000);
  const memo = local ? localMemo : utcMemo;
  if (memo.second === second && Number.isFinite(t)) return memo.text;
  const text = formatTimestamp(d, local);
  memo.second = second;
  memo.text = text;
  return text;
}

// Local time's offset may change (DST) only on whole-second boundaries, so a second's text holds.
const localMemo = { second: NaN, text: '' };
const utcMemo = { second: NaN, text: '' };

function formatTimestamp(d: Date, local: boolean): string {
  const p = (n: number) => (n < 10 ? '0' : '') + n;
  return local
    ? `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
    : `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

export const STANDARD_VARS = ['Timestamp', 'File', 'Message'] as const;
export const AUTH_VARS = ['Client', 'Host', 'Message', 'Protocol', 'RequestID', 'RequestMethod', 'Timestamp', 'UserAgent', 'Username', 'Status'] as const;
export const REQUEST_VARS = [
  'Client', 'Host', 'Protocol', 'RequestDuration', 'RequestID', 'RequestMethod', 'RequestURI', 'ResponseSize', 'StatusCode',
  'Timestamp', 'Upstream', 'UserAgent', 'Username',
] as const;
