// Reading the policy file's values: the shapes it may hold and the wording of what is wrong with them.
import { closest } from '../text/suggest.js';

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `unknown key "x"`, with a hint when it is a near miss of a known one (`allow_public`). */
export function unknownKey(key: string, known: readonly string[]): string {
  const hint = closest(key, known, (s) => s.toLowerCase().replace(/[-_]/g, ''));
  return `unknown key ${JSON.stringify(key)}${hint ? ` (did you mean ${hint}?)` : ` (known: ${known.join(', ')})`}`;
}

/** A string, or a non-empty list of strings, as a list; a problem otherwise. */
export function stringList(v: unknown): string[] | string {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) return 'must be a string or a non-empty list of strings';
  for (const item of list) if (typeof item !== 'string' || item.trim() === '') return 'must hold only non-empty strings';
  return (list as string[]).map((s) => s.trim());
}
