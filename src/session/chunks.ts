// Browsers drop a Set-Cookie line longer than about 4 KiB, so a large session value is cut into
// `<name>_0`, `<name>_1`, … with every serialised cookie at most 4000 characters, exactly where
// oauth2-proxy cuts, so either proxy can read what the other wrote.

import { serializeCookie, type CookieAttributes } from './cookies.js';
import { chunkCookieName, isSessionPartName } from './names.js';

export const MAX_SET_COOKIE_LENGTH = 4000;

export interface ChunkWrite {
  name: string;
  value: string;
  setCookie: string;
}

/** The cookies to write for `name=value`: one when it fits, otherwise maximal `_N` parts. */
export function splitCookie(name: string, value: string, attrs: CookieAttributes): ChunkWrite[] {
  const whole = serializeCookie(name, value, attrs);
  if (whole.length <= MAX_SET_COOKIE_LENGTH) return [{ name, value, setCookie: whole }];
  const out: ChunkWrite[] = [];
  let pos = 0;
  for (let i = 0; pos < value.length; i++) {
    const partName = chunkCookieName(name, i);
    const room = MAX_SET_COOKIE_LENGTH - serializeCookie(partName, '', attrs).length;
    if (room <= 0) throw new Error(`cookie attributes of ${name} leave no room for a value`);
    const part = value.slice(pos, pos + room);
    pos += part.length;
    out.push({ name: partName, value: part, setCookie: serializeCookie(partName, part, attrs) });
  }
  return out;
}

/** The exact cookie when present, else `_0`, `_1`, … joined up to the first missing part. */
export function readChunked(cookies: ReadonlyMap<string, string>, name: string): string | undefined {
  const exact = cookies.get(name);
  if (exact !== undefined) return exact;
  let joined = cookies.get(chunkCookieName(name, 0));
  if (joined === undefined) return undefined;
  for (let i = 1; ; i++) {
    const part = cookies.get(chunkCookieName(name, i));
    if (part === undefined) return joined;
    joined += part;
  }
}

/** Request cookies that hold (part of) the session `name`. */
export function presentParts(cookies: ReadonlyMap<string, string>, name: string): string[] {
  const out: string[] = [];
  for (const n of cookies.keys()) if (isSessionPartName(name, n)) out.push(n);
  return out;
}

export function expiredCookie(name: string, attrs: CookieAttributes): string {
  return serializeCookie(name, '', { ...attrs, maxAgeSeconds: 0 });
}

/**
 * Set-Cookie lines that store `value` under `name`, plus expiry lines for every part the request
 * carried that this write does not replace (a shrunk session, or a switch between split and whole),
 * which would otherwise be joined onto the new value on the next request.
 */
export function writeChunked(
  cookies: ReadonlyMap<string, string>,
  name: string,
  value: string,
  attrs: CookieAttributes,
): string[] {
  const writes = splitCookie(name, value, attrs);
  const out = writes.map((w) => w.setCookie);
  for (const n of presentParts(cookies, name)) {
    if (!writes.some((w) => w.name === n)) out.push(expiredCookie(n, attrs));
  }
  return out;
}

/** Expiry lines for every part of `name` present in the request. */
export function clearChunked(cookies: ReadonlyMap<string, string>, name: string, attrs: CookieAttributes): string[] {
  return presentParts(cookies, name).map((n) => expiredCookie(n, attrs));
}
