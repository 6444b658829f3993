// Route regexes are written for oauth2-proxy, that is for Go's RE2, which runs in linear time.
// JavaScript's engine backtracks, so a pattern like `(a+)+$` could pin a core on one crafted path.
// Patterns are compiled once at start-up and refused when they use what RE2 does not have
// (backreferences, lookaround) or nest unbounded repetition, the shape behind catastrophic
// backtracking. RE2's leading inline flags `(?i)`, `(?s)`, `(?m)` and `(?P<name>…)` groups are
// translated.

export type CompiledRegex = { ok: true; regex: RegExp } | { ok: false; problem: string };

interface Frame {
  /** Something inside repeats without an upper bound (or with a large one). */
  unbounded: boolean;
}

export function compileRouteRegex(source: string): CompiledRegex {
  let pattern = source;
  let flags = '';
  const inline = /^\(\?([imsU]+)\)/.exec(pattern);
  if (inline) {
    for (const f of inline[1]!) {
      if (f === 'U') return { ok: false, problem: 'the (?U) flag (ungreedy) is not supported' };
      if (!flags.includes(f)) flags += f;
    }
    pattern = pattern.slice(inline[0].length);
  }
  pattern = pattern.replace(/\(\?P</g, '(?<');
  const problem = unsafeConstruct(pattern);
  if (problem !== undefined) return { ok: false, problem };
  try {
    return { ok: true, regex: new RegExp(pattern, flags) };
  } catch (err) {
    return { ok: false, problem: `invalid regular expression: ${err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err)}` };
  }
}

/** A static scan for constructs that can make a backtracking engine take exponential time. */
function unsafeConstruct(p: string): string | undefined {
  const stack: Frame[] = [{ unbounded: false }];
  // What the last atom was, to judge the quantifier that follows it.
  let lastGroup: Frame | undefined;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      const n = p[i + 1] ?? '';
      if (/[1-9]/.test(n) || n === 'k') return 'backreferences are not supported (RE2 has none)';
      i++;
      lastGroup = undefined;
      continue;
    }
    if (c === '[') {
      // Skip a character class; `]` right after `[` or `[^` is a literal.
      let j = i + 1;
      if (p[j] === '^') j++;
      if (p[j] === ']') j++;
      for (; j < p.length && p[j] !== ']'; j++) if (p[j] === '\\') j++;
      i = j;
      lastGroup = undefined;
      continue;
    }
    if (c === '(') {
      if (p.startsWith('(?=', i) || p.startsWith('(?!', i) || p.startsWith('(?<=', i) || p.startsWith('(?<!', i)) {
        return 'lookahead and lookbehind are not supported (RE2 has neither)';
      }
      if (p[i + 1] === '?' && !p.startsWith('(?:', i) && !p.startsWith('(?<', i)) {
        return 'inline flags are only supported at the start of the pattern, as (?i)';
      }
      stack.push({ unbounded: false });
      lastGroup = undefined;
      continue;
    }
    if (c === ')') {
      const closed = stack.pop();
      if (closed === undefined || stack.length === 0) return 'invalid regular expression: unbalanced parenthesis';
      lastGroup = closed;
      // Whatever repeats inside the group also repeats inside its parent.
      if (closed.unbounded) stack[stack.length - 1]!.unbounded = true;
      continue;
    }
    const q = quantifierAt(p, i);
    if (q !== undefined) {
      if (q.repeats && lastGroup?.unbounded) {
        return `nested repetition ${JSON.stringify(p.slice(0, i + q.length))} can take exponential time on a crafted path; rewrite it without a repeated group that itself repeats`;
      }
      if (q.unbounded) stack[stack.length - 1]!.unbounded = true;
      i += q.length - 1;
      // A lazy or possessive marker belongs to the quantifier.
      if (p[i + 1] === '?' || p[i + 1] === '+') i++;
      lastGroup = undefined;
      continue;
    }
    lastGroup = undefined;
  }
  if (stack.length !== 1) return 'invalid regular expression: unbalanced parenthesis';
  return undefined;
}

/** `repeats`: may match its atom more than once; `unbounded`: more than a few times. */
function quantifierAt(p: string, i: number): { length: number; repeats: boolean; unbounded: boolean } | undefined {
  const c = p[i];
  if (c === '*' || c === '+') return { length: 1, repeats: true, unbounded: true };
  if (c === '?') return { length: 1, repeats: false, unbounded: false };
  if (c !== '{') return undefined;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
  if (m === null) return undefined;
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
  return { length: m[0].length, repeats: max > 1, unbounded: max > 16 };
}
