// Sign-in and error pages: built-in ones, or the operator's oauth2-proxy-style Go templates.

import { ERROR_TEMPLATE, SIGN_IN_TEMPLATE, loadCustomTemplates } from './custom.js';
import { DEFAULT_LOGO_SVG, FAVICON_SVG, STYLESHEET } from './assets.js';
import { buildFooter, buildSignInMessage, loadLogo } from './branding.js';
import {
  buildCsp,
  defaultMessage,
  operatorSources,
  renderError,
  renderSignIn,
  statusText,
  type DefaultPageConfig,
} from './default-pages.js';
import { TrustedHtml } from './html.js';

export { TrustedHtml } from './html.js';

export interface PagesOptions {
  proxyPrefix: string;
  /** The default provider's name; the one custom templates see as ProviderName. */
  providerName: string;
  /** With several providers: each one's id and name, the default first (the built-in page shows a button each). */
  providers?: ReadonlyArray<{ id: string; name: string }>;
  emailDomains: string[];
  customTemplatesDir: string;
  banner: string;
  footer: string;
  customSignInLogo: string;
  version: string;
  /** Show the username/password form (htpasswd sign-in); CustomLogin in templates. */
  displayLoginForm?: boolean;
  /** Told when a custom template fails while rendering; the built-in page is served instead. Defaults to a process warning. */
  onRenderError?: (err: Error, template: typeof SIGN_IN_TEMPLATE | typeof ERROR_TEMPLATE) => void;
}

export interface SignInInput {
  statusCode: number;
  redirect: string;
}

export interface ErrorInput {
  statusCode: number;
  /** Defaults to the HTTP status text. */
  title?: string;
  /** Shown to the user as text. For 5xx it must already be a safe, generic message. Empty = a default for the status. */
  message: string;
  redirect?: string;
  requestId: string;
}

export interface Pages {
  /** Full HTML document for the sign-in page. */
  signIn(v: SignInInput): string;
  /** Full HTML document for an error page. */
  error(v: ErrorInput): string;
  /** Files under <proxyPrefix>/static/: favicon.svg, logo.svg, pages.css. */
  staticAsset(path: string): { body: Buffer; contentType: string } | undefined;
  /** Content-Security-Policy for the built-in pages. */
  readonly csp: string;
  /** The policy to send with a page, or undefined when that page comes from a custom template (its needs are unknown). */
  cspFor(page: 'signIn' | 'error'): string | undefined;
}

/**
 * What a custom sign_in.html sees, under oauth2-proxy's names. TrustedHtml fields are inserted
 * unescaped; everything else is escaped for its context.
 */
export interface SignInTemplateVars {
  ProviderName: string;
  SignInMessage: TrustedHtml;
  StatusCode: number;
  CustomLogin: boolean;
  Redirect: string;
  Version: string;
  ProxyPrefix: string;
  /** The raw --footer value: oauth2-proxy templates test it for "-" and "" themselves. */
  Footer: TrustedHtml;
  LogoData: TrustedHtml;
}

/** What a custom error.html sees, under oauth2-proxy's names. */
export interface ErrorTemplateVars {
  Title: string;
  Message: string;
  ProxyPrefix: string;
  StatusCode: number;
  Redirect: string;
  RequestID: string;
  /** The raw --footer value, as for SignInTemplateVars. */
  Footer: TrustedHtml;
  Version: string;
}

const STATIC_ASSETS: Record<string, { body: Buffer; contentType: string }> = {
  'favicon.svg': { body: Buffer.from(FAVICON_SVG), contentType: 'image/svg+xml' },
  'logo.svg': { body: Buffer.from(DEFAULT_LOGO_SVG), contentType: 'image/svg+xml' },
  'pages.css': { body: Buffer.from(STYLESHEET), contentType: 'text/css; charset=utf-8' },
};

export function createPages(opts: PagesOptions): Pages {
  const logo = loadLogo(opts.customSignInLogo);
  const signInMessage = buildSignInMessage(opts.banner, opts.emailDomains);
  const footer = buildFooter(opts.footer, opts.version);
  const templates = loadCustomTemplates(opts.customTemplatesDir);
  const customSignIn = templates?.has(SIGN_IN_TEMPLATE) === true;
  const customError = templates?.has(ERROR_TEMPLATE) === true;

  const cfg: DefaultPageConfig = {
    proxyPrefix: opts.proxyPrefix,
    providerName: opts.providerName,
    ...(opts.providers ? { providers: opts.providers } : {}),
    signInMessage,
    footer,
    logo: logo.html,
    displayLoginForm: opts.displayLoginForm === true,
  };
  const sources = operatorSources([signInMessage.html, footer?.html ?? '']);
  sources.imgOrigins.push(...logo.origins);
  const csp = buildCsp(sources);
  const rawFooter = new TrustedHtml(opts.footer);

  const report = (err: unknown, template: typeof SIGN_IN_TEMPLATE | typeof ERROR_TEMPLATE): void => {
    const e = err instanceof Error ? err : new Error(String(err));
    // Without a handler the failure must still surface somewhere: the user gets the built-in page,
    // and the operator would otherwise never learn that their template is broken.
    if (opts.onRenderError) opts.onRenderError(e, template);
    else process.emitWarning(`custom template ${template} failed, built-in page served: ${e.message}`, { code: 'PAGES_TEMPLATE_RENDER' });
  };

  return {
    csp,
    cspFor: (page) => ((page === 'signIn' ? customSignIn : customError) ? undefined : csp),

    signIn(v) {
      if (templates !== null && customSignIn) {
        const vars: SignInTemplateVars = {
          ProviderName: opts.providerName,
          SignInMessage: signInMessage,
          StatusCode: v.statusCode,
          CustomLogin: cfg.displayLoginForm,
          Redirect: v.redirect,
          Version: opts.version,
          ProxyPrefix: opts.proxyPrefix,
          Footer: rawFooter,
          LogoData: logo.html,
        };
        try {
          return templates.execute(SIGN_IN_TEMPLATE, vars);
        } catch (err) {
          report(err, SIGN_IN_TEMPLATE);
        }
      }
      return renderSignIn(cfg, v);
    },

    error(v) {
      const title = v.title ?? statusText(v.statusCode);
      const message = v.message === '' ? defaultMessage(v.statusCode) : v.message;
      const redirect = v.redirect ?? '';
      if (templates !== null && customError) {
        const vars: ErrorTemplateVars = {
          Title: title,
          Message: message,
          ProxyPrefix: opts.proxyPrefix,
          StatusCode: v.statusCode,
          Redirect: redirect,
          RequestID: v.requestId,
          Footer: rawFooter,
          Version: opts.version,
        };
        try {
          return templates.execute(ERROR_TEMPLATE, vars);
        } catch (err) {
          report(err, ERROR_TEMPLATE);
        }
      }
      return renderError(cfg, { statusCode: v.statusCode, title, message, redirect, requestId: v.requestId });
    },

    staticAsset(path) {
      const name = path.replace(/^\/+/, '');
      return Object.hasOwn(STATIC_ASSETS, name) ? STATIC_ASSETS[name] : undefined;
    },
  };
}
