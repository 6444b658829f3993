// Go duration syntax, because oauth2-proxy's durations ("168h", "1h30m") are written that way in every
// existing deployment. Arithmetic is done in integer nanoseconds like Go, so rounding and the overflow
// limit match; the result is handed out in milliseconds, which is what timers here take.

const NS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['µs', 1_000n], // U+00B5 micro sign
  ['μs', 1_000n], // U+03BC Greek small mu, accepted by Go as well
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const MAX_NS = (1n << 63n) - 1n;

export type DurationResult = { ok: true; ms: number } | { ok: false; reason: string };

export function parseGoDuration(input: string): DurationResult {
  let s = input;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, ms: 0 };
  if (s === '') return { ok: false, reason: 'empty duration' };
  if (/^\d+(\.\d*)?$|^\.\d+$/.test(s)) {
    return { ok: false, reason: `missing unit (for example "${s}s", "${s}m" or "${s}h")` };
  }

  let total = 0n;
  // Each term is a decimal number (integer and/or fraction part) followed by a unit.
  const term = /^(\d*)(?:\.(\d*))?([^\d.]+)/;
  while (s !== '') {
    const m = term.exec(s);
    if (m === null) return { ok: false, reason: 'expected a number followed by a unit (ns, us, ms, s, m, h)' };
    const [whole, intPart = '', fracPart, unit = ''] = m;
    if (intPart === '' && (fracPart === undefined || fracPart === '')) {
      return { ok: false, reason: 'expected a number before the unit' };
    }
    const scale = NS_PER_UNIT.get(unit);
    if (scale === undefined) return { ok: false, reason: `unknown unit "${unit}" (use ns, us, ms, s, m or h)` };
    let ns = BigInt(intPart === '' ? '0' : intPart) * scale;
    if (fracPart !== undefined && fracPart !== '') {
      // Truncate like Go: whole nanoseconds only.
      ns += (BigInt(fracPart) * scale) / 10n ** BigInt(fracPart.length);
    }
    total += ns;
    if (total > MAX_NS) return { ok: false, reason: 'duration too large' };
    s = s.slice(whole.length);
  }
  const ms = Number(total) / 1e6;
  return { ok: true, ms: negative && ms !== 0 ? -ms : ms };
}

/** Formats milliseconds the way Go prints a duration ("168h0m0s", "1.5s", "300ms"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let ns = BigInt(Math.round(Math.abs(ms) * 1e6));
  if (ns < 1_000n) return `${sign}${ns}ns`;
  if (ns < 1_000_000n) return `${sign}${fraction(ns, 1_000n)}µs`;
  if (ns < 1_000_000_000n) return `${sign}${fraction(ns, 1_000_000n)}ms`;
  const hours = ns / 3_600_000_000_000n;
  ns -= hours * 3_600_000_000_000n;
  const minutes = ns / 60_000_000_000n;
  ns -= minutes * 60_000_000_000n;
  const seconds = fraction(ns, 1_000_000_000n);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

function fraction(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return whole.toString();
  const digits = unit.toString().length - 1;
  return `${whole}.${rest.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}
