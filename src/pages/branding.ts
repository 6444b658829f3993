// Banner, footer and logo, resolved the way oauth2-proxy resolves --banner, --footer and
// --custom-sign-in-logo, so existing configurations produce the same pages.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { TrustedHtml, escapeHtml, html } from './html.js';
import { DEFAULT_LOGO_SVG } from './assets.js';

/** The sign-in message: the banner as given, `-` for none, else a hint derived from --email-domain. */
export function buildSignInMessage(banner: string, emailDomains: readonly string[]): TrustedHtml {
  if (banner === '-') return new TrustedHtml('');
  if (banner !== '') return new TrustedHtml(banner);
  const domains = emailDomains.filter((d) => d !== '');
  // With a wildcard any address is accepted, so naming domains would only mislead.
  if (domains.length === 0 || domains.includes('*')) return new TrustedHtml('');
  if (domains.length === 1) return html`Authenticate using ${domains[0]}`;
  return html`Authenticate using an account from one of these domains: ${domains.join(', ')}`;
}

/** The footer for the built-in pages: null for `-`, our version line when unset, else the operator's HTML. */
export function buildFooter(footer: string, version: string): TrustedHtml | null {
  if (footer === '-') return null;
  if (footer === '') return html`Secured with oauth2-sidecar version ${version}`;
  return new TrustedHtml(footer);
}

export interface Logo {
  /** Markup for the logo (empty when disabled); also what custom templates receive as LogoData. */
  html: TrustedHtml;
  /** Origins the logo loads from, for the img-src directive. */
  origins: string[];
}

const IMAGE_TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
};

/**
 * Resolves --custom-sign-in-logo. File logos (SVG included) become data: URI images rather than
 * inline markup, so an SVG cannot carry script into the page and the CSP needs no exception for it.
 */
export function loadLogo(option: string): Logo {
  if (option === '') return { html: new TrustedHtml(DEFAULT_LOGO_SVG), origins: [] };
  if (option === '-') return { html: new TrustedHtml(''), origins: [] };
  if (/^https?:\/\//i.test(option)) {
    if (!/^https:/i.test(option)) {
      throw new Error(`--custom-sign-in-logo: only https:// URLs are supported, got ${JSON.stringify(option)}`);
    }
    let url: URL;
    try {
      url = new URL(option);
    } catch {
      throw new Error(`--custom-sign-in-logo: invalid URL ${JSON.stringify(option)}`);
    }
    return { html: html`<img src="${option}" alt="">`, origins: [url.origin] };
  }
  const ext = extname(option).toLowerCase();
  const type = IMAGE_TYPES[ext];
  if (type === undefined) {
    throw new Error(
      `--custom-sign-in-logo: unsupported extension ${JSON.stringify(ext)} for ${JSON.stringify(option)}; supported are .svg, .png, .jpg and .jpeg`,
    );
  }
  let data: Buffer;
  try {
    data = readFileSync(option);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`--custom-sign-in-logo: cannot read logo file ${JSON.stringify(option)} (${reason})`);
  }
  const src = `data:${type};base64,${data.toString('base64')}`;
  return { html: new TrustedHtml(`<img src="${escapeHtml(src)}" alt="">`), origins: [] };
}
