// TLS settings named the way oauth2-proxy (Go's crypto/tls) names them, translated to what Node's
// OpenSSL understands. Go's insecure suites (RC4, 3DES) are refused rather than translated: a
// listener that offers them would be weaker than the operator probably believes.

const GO_TO_OPENSSL: Readonly<Record<string, string>> = {
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
};

const GO_INSECURE = new Set([
  'TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA',
  'TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA',
]);

// Go always offers its TLS 1.3 suites whatever the list says; Node needs them named.
const TLS13_DEFAULTS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

/** The OpenSSL cipher string for Go suite names, or the problems with the names. */
export function opensslCiphers(goNames: readonly string[]): { ciphers: string | undefined } | { errors: string[] } {
  if (goNames.length === 0) return { ciphers: undefined };
  const errors: string[] = [];
  const out: string[] = [];
  for (const name of goNames) {
    const mapped = GO_TO_OPENSSL[name];
    if (mapped !== undefined) {
      if (!out.includes(mapped)) out.push(mapped);
    } else if (GO_INSECURE.has(name)) {
      errors.push(`${JSON.stringify(name)} is an insecure cipher suite and is not offered by oauth2-sidecar`);
    } else {
      errors.push(`${JSON.stringify(name)} is not a known cipher suite (use Go names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)`);
    }
  }
  if (errors.length > 0) return { errors };
  if (!out.some((c) => c.startsWith('TLS_'))) out.push(...TLS13_DEFAULTS);
  return { ciphers: out.join(':') };
}

export type NodeTlsVersion = 'TLSv1.2' | 'TLSv1.3';

export function nodeMinVersion(goName: string): NodeTlsVersion | undefined {
  if (goName === '' || goName === 'TLS1.2') return 'TLSv1.2';
  if (goName === 'TLS1.3') return 'TLSv1.3';
  return undefined;
}
