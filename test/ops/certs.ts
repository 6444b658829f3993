// A throwaway certificate authority made with openssl for each test run: a CA and leaf
// certificates for 127.0.0.1 / localhost signed by it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from '../support/deps.js';

export interface TestCa {
  dir: string;
  caCert: string;
  /** Writes a new key pair for 127.0.0.1 and localhost; returns PEM text. */
  issue(commonName: string): { cert: string; key: string };
}

export function createTestCa(): TestCa {
  const openssl = requireBinary('openssl');
  const dir = mkdtempSync(join(tmpdir(), 'ops-ca-'));
  const run = (args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=ops test CA']);
  let serial = 1;
  return {
    dir,
    caCert: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    issue(commonName) {
      const n = serial++;
      writeFileSync(join(dir, `ext${n}.cnf`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n');
      run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `leaf${n}.key`, '-out', `leaf${n}.csr`, '-subj', `/CN=${commonName}`]);
      run(['x509', '-req', '-in', `leaf${n}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(1000 + n), '-days', '1', '-out', `leaf${n}.crt`, '-extfile', `ext${n}.cnf`]);
      return { cert: readFileSync(join(dir, `leaf${n}.crt`), 'utf8'), key: readFileSync(join(dir, `leaf${n}.key`), 'utf8') };
    },
  };
}
