// Start-up checks for the operational options: log formats and the log file, TLS listeners and their
// certificates, the metrics listeners. Returned as [flag, problem] pairs so validate() reports them
// with everything else, all at once.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createSecureContext } from 'node:tls';
import { AUTH_VARS, compileLogFormat, REQUEST_VARS, STANDARD_VARS } from '../logging/template.js';
import { nodeMinVersion, opensslCiphers } from './tls.js';
import type { Config } from './types.js';

type Problem = [flag: string, problem: string];

export function operationsProblems(config: Config, hostPortProblem: (value: string) => string | undefined): Problem[] {
  const out: Problem[] = [];

  // ---- logging ----
  if (config.loggingFormat !== 'text' && config.loggingFormat !== 'json') {
    out.push(['logging-format', `${JSON.stringify(config.loggingFormat)} is not one of text, json`]);
  }
  for (const [flag, source, vars] of [
    ['standard-logging-format', config.standardLoggingFormat, STANDARD_VARS],
    ['auth-logging-format', config.authLoggingFormat, AUTH_VARS],
    ['request-logging-format', config.requestLoggingFormat, REQUEST_VARS],
  ] as const) {
    const c = compileLogFormat(source, vars as readonly string[]);
    if (!c.ok) out.push([flag, c.reason]);
  }
  if (config.loggingFilename !== '') {
    const dir = dirname(config.loggingFilename);
    try {
      if (!statSync(dir).isDirectory()) out.push(['logging-filename', `${JSON.stringify(dir)} is not a directory`]);
      else accessSync(dir, constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      out.push(['logging-filename', `cannot write to ${JSON.stringify(dir)}: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : code ?? 'not writable'}`]);
    }
  }
  if (config.loggingMaxSize <= 0) out.push(['logging-max-size', `must be greater than 0 (got ${config.loggingMaxSize})`]);
  if (config.loggingMaxAge < 0) out.push(['logging-max-age', `must not be negative (got ${config.loggingMaxAge})`]);
  if (config.loggingMaxBackups < 0) out.push(['logging-max-backups', `must not be negative (got ${config.loggingMaxBackups})`]);

  // ---- HTTPS listener ----
  const tlsOn = config.tlsCertFile !== '' || config.tlsKeyFile !== '';
  if (tlsOn) {
    if (config.tlsCertFile === '') out.push(['tls-cert-file', 'missing setting (required with --tls-key-file)']);
    if (config.tlsKeyFile === '') out.push(['tls-key-file', 'missing setting (required with --tls-cert-file)']);
    const address = config.httpsAddress.replace(/^https:\/\//i, '');
    const problem = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? 'only https:// (or no scheme) is allowed' : hostPortProblem(address);
    if (problem !== undefined) out.push(['https-address', `${JSON.stringify(config.httpsAddress)} ${problem}`]);
  }
  if (nodeMinVersion(config.tlsMinVersion) === undefined) {
    out.push(['tls-min-version', `${JSON.stringify(config.tlsMinVersion)} is not one of TLS1.2, TLS1.3`]);
  }
  const ciphers = opensslCiphers(config.tlsCipherSuites);
  if ('errors' in ciphers) for (const e of ciphers.errors) out.push(['tls-cipher-suite', e]);
  if (config.tlsCertFile !== '' && config.tlsKeyFile !== '') {
    const p = pairProblem(config.tlsCertFile, config.tlsKeyFile);
    if (p) out.push(p[0] === 'cert' ? ['tls-cert-file', p[1]] : ['tls-key-file', p[1]]);
  }

  // ---- metrics listeners ----
  if (config.metricsAddress !== '') {
    const problem = hostPortProblem(config.metricsAddress.replace(/^http:\/\//i, ''));
    if (problem !== undefined) out.push(['metrics-address', `${JSON.stringify(config.metricsAddress)} ${problem}`]);
  }
  if (config.metricsSecureAddress !== '') {
    const problem = hostPortProblem(config.metricsSecureAddress.replace(/^https:\/\//i, ''));
    if (problem !== undefined) out.push(['metrics-secure-address', `${JSON.stringify(config.metricsSecureAddress)} ${problem}`]);
    if (config.metricsTlsCertFile === '') out.push(['metrics-tls-cert-file', 'missing setting (required with --metrics-secure-address)']);
    if (config.metricsTlsKeyFile === '') out.push(['metrics-tls-key-file', 'missing setting (required with --metrics-secure-address)']);
    if (config.metricsTlsCertFile !== '' && config.metricsTlsKeyFile !== '') {
      const p = pairProblem(config.metricsTlsCertFile, config.metricsTlsKeyFile);
      if (p) out.push(p[0] === 'cert' ? ['metrics-tls-cert-file', p[1]] : ['metrics-tls-key-file', p[1]]);
    }
  } else if (config.metricsTlsCertFile !== '' || config.metricsTlsKeyFile !== '') {
    out.push(['metrics-secure-address', 'missing setting (the metrics certificate is only used by the HTTPS metrics listener)']);
  }
  return out;
}

/** Whether the files hold a usable certificate and matching key; reasons never quote the content. */
function pairProblem(certFile: string, keyFile: string): ['cert' | 'key', string] | undefined {
  let cert: Buffer;
  let key: Buffer;
  try { cert = readFileSync(certFile); } catch (err) { return ['cert', `cannot read ${JSON.stringify(certFile)}: ${(err as NodeJS.ErrnoException).code ?? 'read failed'}`]; }
  try { key = readFileSync(keyFile); } catch (err) { return ['key', `cannot read ${JSON.stringify(keyFile)}: ${(err as NodeJS.ErrnoException).code ?? 'read failed'}`]; }
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : 'invalid';
    return ['cert', `${JSON.stringify(certFile)} and the key in ${JSON.stringify(keyFile)} are not a usable certificate and private key: ${reason}`];
  }
  return undefined;
}
