// The gateway options at start-up: every problem reported together, each naming its flag.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertHasError, loadErrors, loadOk, VALID_ARGS } from '../config/support.js';
import { htpasswdFile, shaLine } from '../support/htpasswd.js';

describe('gateway options at start-up', () => {
  it('reports regex, IP, issuer, htpasswd and upstream problems together', () => {
    const errors = loadErrors([
      ...VALID_ARGS,
      '--skip-auth-route=GET=^/(a+)+$', '--skip-auth-route=G-T=^/x', '--skip-auth-regex=^/(?=x)', '--api-route=^/[',
      '--trusted-ip=10.0.0.0/33', '--extra-jwt-issuers=https://issuer.example', '--extra-jwt-issuers=http://evil.example=aud',
      '--htpasswd-file=/nonexistent/users', '--upstream=static://99', '--upstream=file://relative#/x/', '--upstream=unix:///sock',
    ]);
    assertHasError(errors, 'skip-auth-route', /nested repetition/);
    assertHasError(errors, 'skip-auth-route', /not an HTTP method/);
    assertHasError(errors, 'skip-auth-regex', /lookahead/);
    assertHasError(errors, 'api-route', /invalid/);
    assertHasError(errors, 'trusted-ip', /not an IP address or CIDR/);
    assertHasError(errors, 'extra-jwt-issuers', /issuer=audience/);
    assertHasError(errors, 'extra-jwt-issuers', /https/);
    assertHasError(errors, 'htpasswd-file', /cannot read/);
    assertHasError(errors, 'upstream', /static:\/\/ takes a status code/);
    assertHasError(errors, 'upstream', /file:\/\/ takes an absolute directory/);
    assertHasError(errors, 'upstream', /unix:\/\/ upstreams are not supported/);
  });

  it('names bad htpasswd lines without quoting hashes', () => {
    const f = htpasswdFile([shaLine('ok', 'pw'), 'bad:$1$secretsalt$notsupported']);
    try {
      const errors = loadErrors([...VALID_ARGS, `--htpasswd-file=${f.path}`]);
      assertHasError(errors, 'htpasswd-file', /line 2 \(user "bad"\)/);
      assert.ok(!errors.join('\n').includes('secretsalt'));
    } finally {
      f.remove();
    }
  });

  it('accepts a full gateway configuration, and htpasswd in place of --email-domain', () => {
    const f = htpasswdFile([shaLine('ok', 'pw')]);
    try {
      loadOk([
        ...VALID_ARGS, '--skip-auth-route=GET=^/public/', '--skip-auth-route=POST!=^/private', '--skip-auth-regex=(?i)^/static/',
        '--api-route=^/api/', '--trusted-ip=10.0.0.0/8', '--trusted-ip=::1', '--skip-auth-preflight=true',
        '--skip-jwt-bearer-tokens=true', '--extra-jwt-issuers=https://other.example=api://x', '--bearer-token-login-fallback=false',
        `--htpasswd-file=${f.path}`, '--htpasswd-user-group=staff', '--basic-auth-password=pw', '--set-basic-auth=true',
        '--ping-user-agent=probe', '--gcp-healthchecks=true', '--upstream=static://200', '--upstream=file:///srv/www#/docs/',
      ]);
      loadOk([...VALID_ARGS.filter((a) => a !== '--email-domain=*'), `--htpasswd-file=${f.path}`]);
    } finally {
      f.remove();
    }
  });
});
