// Start-up checks for the gateway options, reported by config/validate.ts together with every other
// problem: route regexes (compiled and screened for catastrophic backtracking), trusted IPs, JWT
// issuers and the htpasswd file. Messages name the flag and never quote a hash or a secret.
import { readFileSync } from 'node:fs';
import type { Config } from '../config/types.js';
import { fatalProblems, parseHtpasswd } from '../htpasswd/file.js';
import { compileAccessRules } from './access.js';

export function gatewayProblems(config: Config): Array<[flag: string, message: string]> {
  const out: Array<[string, string]> = [];
  const { problems } = compileAccessRules({
    skipAuthRoutes: config.skipAuthRoutes,
    skipAuthRegex: config.skipAuthRegex,
    apiRoutes: config.apiRoutes,
    skipAuthPreflight: config.skipAuthPreflight,
    trustedIps: config.trustedIps,
  });
  out.push(...problems);

  for (const entry of config.extraJwtIssuers) {
    const eq = entry.indexOf('=');
    const issuer = eq === -1 ? entry : entry.slice(0, eq);
    if (eq === -1 || issuer === '' || eq === entry.length - 1) {
      out.push(['extra-jwt-issuers', `${JSON.stringify(entry)} must be issuer=audience`]);
      continue;
    }
    const problem = issuerProblem(issuer);
    if (problem) out.push(['extra-jwt-issuers', `${JSON.stringify(issuer)} ${problem}`]);
  }
  if (config.skipJwtBearerTokens && config.oidcIssuerUrl === '' && config.extraJwtIssuers.length === 0) {
    out.push(['skip-jwt-bearer-tokens', 'needs an issuer to trust: --oidc-issuer-url or --extra-jwt-issuers']);
  }

  if (config.htpasswdFile !== '') {
    let text: string | undefined;
    try {
      text = readFileSync(config.htpasswdFile, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      out.push(['htpasswd-file', `cannot read ${JSON.stringify(config.htpasswdFile)} (${code})`]);
    }
    if (text !== undefined) for (const p of fatalProblems(parseHtpasswd(text))) out.push(['htpasswd-file', `${JSON.stringify(config.htpasswdFile)} ${p}`]);
  }
  return out;
}

function issuerProblem(issuer: string): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol === 'https:') return undefined;
  const h = url.hostname.replace(/^\[|\]$/g, '');
  const loopback = h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
  if (url.protocol === 'http:' && loopback) return undefined;
  return 'must be an https:// URL (http:// only on loopback addresses)';
}
