// The built-in sign-in and error pages. Plain HTML forms and links, so they work without script;
// one <style> and one <script>, so a hash-based Content-Security-Policy covers them.

import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { HASH_SCRIPT, ICONS, STYLESHEET } from './assets.js';
import { TrustedHtml, html, isLinkableRedirect } from './html.js';

export interface DefaultPageConfig {
  proxyPrefix: string;
  providerName: string;
  /** With several providers: one button each, in this order (the default one first). */
  providers?: ReadonlyArray<{ id: string; name: string }>;
  signInMessage: TrustedHtml;
  footer: TrustedHtml | null;
  logo: TrustedHtml;
  displayLoginForm: boolean;
}

export function statusText(code: number): string {
  return STATUS_CODES[code] ?? 'Error';
}

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'The request could not be understood. Please try again.',
  401: 'You need to sign in to access this page.',
  403: 'You don’t have permission to access this page.',
  404: 'The page you were looking for could not be found.',
  502: 'The service behind this page could not be reached. Please try again in a moment.',
  503: 'The service is temporarily unavailable. Please try again in a moment.',
  504: 'The service behind this page took too long to respond. Please try again in a moment.',
};

/** Used when the caller has no message of its own; never says more than the status does. */
export function defaultMessage(status: number): string {
  return DEFAULT_MESSAGES[status] ?? (status >= 500 ? 'Something went wrong on our side. Please try again in a moment.' : 'The request could not be completed.');
}

function htmlDocument(cfg: DefaultPageConfig, title: string, body: TrustedHtml, withScript: boolean): string {
  const footer = cfg.footer === null || cfg.footer.html === '' ? '' : html`<footer><p>${cfg.footer}</p></footer>`;
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
<link rel="icon" type="image/svg+xml" href="${cfg.proxyPrefix}/static/favicon.svg">
<style>${new TrustedHtml(STYLESHEET)}</style>
</head>
<body>
<main>
${body}
</main>
${footer}
${withScript ? new TrustedHtml(`<script>${HASH_SCRIPT}</script>`) : ''}
</body>
</html>
`.html;
}

export function renderSignIn(cfg: DefaultPageConfig, v: { statusCode: number; redirect: string }): string {
  const logo = cfg.logo.html === '' ? '' : html`<div class="logo">${cfg.logo}</div>`;
  const message = cfg.signInMessage.html === '' ? '' : html`<div class="message">${cfg.signInMessage}</div>`;
  let alert: TrustedHtml | '' = '';
  if (cfg.displayLoginForm && v.statusCode === 401) {
    alert = html`<p class="alert" role="alert">The username or password is incorrect.</p>`;
  } else if (cfg.displayLoginForm && v.statusCode === 400) {
    alert = html`<p class="alert" role="alert">Enter your username and password.</p>`;
  }
  const loginForm = !cfg.displayLoginForm
    ? ''
    : html`
<p class="divider">or</p>
<form method="POST" action="${cfg.proxyPrefix}/sign_in">
<input type="hidden" name="rd" value="${v.redirect}">
<div class="field"><label for="username">Username</label><input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required></div>
<div class="field"><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required></div>
<button class="btn btn-secondary" type="submit">Sign in</button>
</form>`;
  const body = html`<div class="card">
${logo}
<h1>Sign in</h1>
${message}
${alert}
${providerButtons(cfg, v.redirect)}${loginForm}
</div>`;
  return htmlDocument(cfg, 'Sign in', body, true);
}

function providerButtons(cfg: DefaultPageConfig, redirect: string): TrustedHtml {
  const arrow = new TrustedHtml(ICONS.arrow);
  if (cfg.providers === undefined || cfg.providers.length < 2) {
    return html`<form method="GET" action="${cfg.proxyPrefix}/start">
<input type="hidden" name="rd" value="${redirect}">
<button class="btn btn-primary" type="submit">Sign in with ${cfg.providerName}${arrow}</button>
</form>`;
  }
  // Links rather than forms: each button is a plain URL that can be bookmarked or shared.
  const links = cfg.providers.map((p) =>
    html`<a class="btn btn-primary" href="${`${cfg.proxyPrefix}/start?provider=${encodeURIComponent(p.id)}&rd=${encodeURIComponent(redirect)}`}">Sign in with ${p.name}${arrow}</a>`);
  return html`<div class="providers">
${links.map((l) => html`${l}
`)}</div>`;
}

export interface ErrorPageInput {
  statusCode: number;
  title: string;
  message: string;
  redirect: string;
  requestId: string;
}

function iconFor(status: number): TrustedHtml {
  if (status === 401 || status === 403) return html`<div class="icon">${new TrustedHtml(ICONS.lock)}</div>`;
  if (status === 404) return html`<div class="icon">${new TrustedHtml(ICONS.search)}</div>`;
  const svg = new TrustedHtml(status >= 500 ? ICONS.server : ICONS.warning);
  return html`<div class="icon danger">${svg}</div>`;
}

export function renderError(cfg: DefaultPageConfig, v: ErrorPageInput): string {
  const back = isLinkableRedirect(v.redirect) ? v.redirect : null;
  const signInHref = v.redirect === '' ? `${cfg.proxyPrefix}/sign_in` : `${cfg.proxyPrefix}/sign_in?rd=${encodeURIComponent(v.redirect)}`;
  const signIn = (cls: string) => html`<a class="btn ${cls}" href="${signInHref}">Sign in again</a>`;
  const backIcon = new TrustedHtml(ICONS.back);
  let actions: TrustedHtml[];
  if (v.statusCode === 401 || v.statusCode === 403) {
    actions = [signIn('btn-primary')];
    if (back !== null) actions.push(html`<a class="btn btn-secondary" href="${back}">${backIcon}Go back</a>`);
  } else {
    actions = [
      back !== null
        ? html`<a class="btn btn-primary" href="${back}">${backIcon}Go back</a>`
        : html`<a class="btn btn-primary" href="/">Go to the home page</a>`,
      signIn('btn-secondary'),
    ];
  }
  const requestId = v.requestId === '' ? '' : html`<p class="meta">Request ID <code>${v.requestId}</code></p>`;
  const body = html`<div class="card">
${iconFor(v.statusCode)}
<p class="eyebrow">Error ${v.statusCode}</p>
<h1>${v.title}</h1>
<p class="message">${v.message}</p>
<div class="actions">
${actions.map((a) => html`${a}\n`)}</div>
${requestId}
</div>`;
  return htmlDocument(cfg, `${v.statusCode} ${v.title}`, body, false);
}

// ---- Content-Security-Policy -------------------------------------------------------------------

export function cspHash(content: string): string {
  return `'sha256-${createHash('sha256').update(content, 'utf8').digest('base64')}'`;
}

/** Sources the operator's own markup (banner, footer) needs, so the policy does not break it. */
export interface OperatorSources {
  imgOrigins: string[];
  styleAttributeHashes: string[];
  styleElementHashes: string[];
}

const decodeAttr = (s: string): string =>
  s
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

const attrValues = (markup: string, name: string): string[] => {
  const re = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>"']+))`, 'gi');
  return [...markup.matchAll(re)].map((m) => decodeAttr(m[1] ?? m[2] ?? m[3] ?? ''));
};

export function operatorSources(markup: string[]): OperatorSources {
  const all = markup.join('\n');
  const imgOrigins = new Set<string>();
  for (const src of attrValues(all, 'src')) {
    if (!/^https?:\/\//i.test(src)) continue;
    try {
      imgOrigins.add(new URL(src).origin);
    } catch {
      // An unparsable URL would not load anyway.
    }
  }
  const styleAttributeHashes = [...new Set(attrValues(all, 'style').map(cspHash))];
  const styleElementHashes = [...all.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style\s*>/gi)].map((m) => cspHash(m[1]));
  return { imgOrigins: [...imgOrigins], styleAttributeHashes, styleElementHashes };
}

/**
 * The policy for the built-in pages. Script and style are pinned by hash. Operator markup may add
 * image origins and styles; scripts in a banner or footer stay blocked on purpose.
 * form-action is left out: browsers apply it to the redirect chain after submitting, which would
 * block the hop from <prefix>/start to the identity provider.
 */
export function buildCsp(extra: OperatorSources): string {
  const styles = [cspHash(STYLESHEET), ...extra.styleElementHashes];
  if (extra.styleAttributeHashes.length > 0) styles.push("'unsafe-hashes'", ...extra.styleAttributeHashes);
  const img = ["'self'", 'data:', ...extra.imgOrigins];
  return [
    "default-src 'none'",
    `script-src ${cspHash(HASH_SCRIPT)}`,
    `style-src ${[...new Set(styles)].join(' ')}`,
    `img-src ${[...new Set(img)].join(' ')}`,
    "base-uri 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
}
