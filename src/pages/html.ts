// Escaping primitives shared by the built-in pages and the Go-template renderer.

/**
 * Markup the operator configured (banner, footer, logo). Wrapping it in a class rather than a
 * string makes "this bypasses escaping" visible at every place it is produced.
 */
export class TrustedHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

export function trustedHtml(html: string): TrustedHtml {
  return new TrustedHtml(html);
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
  '\0': '\uFFFD',
};

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'\0]/g, (c) => HTML_ESCAPES[c]);
}

/** Like escapeHtml but keeps `&`, for markup whose entities are already encoded. */
export function escapeHtmlNormalized(s: string): string {
  return s.replace(/[<>"'\0]/g, (c) => HTML_ESCAPES[c]);
}

/**
 * Escapes for an unquoted attribute value, where whitespace, `=` and backticks would end the
 * value or start a new attribute in some parsers.
 */
export function escapeHtmlUnquoted(s: string): string {
  return s.replace(/[&<>"'\0\t\n\v\f\r =`]/g, (c) => HTML_ESCAPES[c] ?? `&#${c.charCodeAt(0)};`);
}

/** Reduces markup to its text, for trusted HTML that lands inside an attribute. */
export function stripTags(html: string): string {
  return html.replace(/<!--[\s\S]*?-->/g, '').replace(/<\/?[A-Za-z][^>]*>?/g, '');
}

/**
 * Tagged template for the built-in pages: every interpolation is escaped unless it is
 * TrustedHtml; arrays are joined so lists of fragments can be interpolated directly.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): TrustedHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) {
    out += renderHtmlValue(values[i]) + strings[i + 1];
  }
  return new TrustedHtml(out);
}

function renderHtmlValue(v: unknown): string {
  if (v === undefined || v === null || v === false) return '';
  if (v instanceof TrustedHtml) return v.html;
  if (Array.isArray(v)) return v.map(renderHtmlValue).join('');
  return escapeHtml(String(v));
}

const SAFE_SCHEMES = new Set(['http', 'https', 'mailto']);

/**
 * True when a URL has no scheme or an allowed one. Anything else (javascript:, data:, vbscript:,
 * schemes disguised with whitespace or control characters) is refused: browsers strip those
 * characters before parsing the scheme, so an allowlist is the only reliable check.
 */
export function hasSafeScheme(url: string): boolean {
  const colon = url.indexOf(':');
  if (colon < 0) return true;
  const slash = url.indexOf('/');
  if (slash >= 0 && slash < colon) return true;
  return SAFE_SCHEMES.has(url.slice(0, colon).toLowerCase());
}

/**
 * A redirect is only offered as a "go back" link when it is an ordinary same-site path or an
 * absolute http(s) URL; protocol-relative and backslash forms are what open-redirect attacks use.
 */
export function isLinkableRedirect(url: string): boolean {
  if (url === '' || /[\0-\x20\x7f]/.test(url)) return false;
  if (url.startsWith('/')) return !/^\/[/\\]/.test(url);
  return /^https?:\/\/[^/\\?#]/i.test(url);
}
