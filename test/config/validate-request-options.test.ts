// Start-up checks of the CSRF cookie, minimal-session and request-signing options.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { VALID_ARGS, assertHasError, loadErrors, loadOk } from './support.js';

describe('--cookie-csrf-samesite and --cookie-csrf-per-request-limit', () => {
  it('accepts lax, strict, none and empty, like --cookie-samesite', () => {
    for (const v of ['lax', 'strict', 'none', '']) loadOk([...VALID_ARGS, `--cookie-csrf-samesite=${v}`]);
  });

  it('refuses any other SameSite value, naming the flag', () => {
    assertHasError(loadErrors([...VALID_ARGS, '--cookie-csrf-samesite=loose']), 'cookie-csrf-samesite', 'not one of lax, strict, none or empty');
  });

  it('refuses a negative limit', () => {
    assertHasError(loadErrors([...VALID_ARGS, '--cookie-csrf-per-request=true', '--cookie-csrf-per-request-limit=-1']), 'cookie-csrf-per-request-limit');
    loadOk([...VALID_ARGS, '--cookie-csrf-per-request=true', '--cookie-csrf-per-request-limit=3']);
  });
});

describe('--session-cookie-minimal', () => {
  it('is accepted on its own, with the cookie or the Redis store', () => {
    loadOk([...VALID_ARGS, '--session-cookie-minimal=true']);
  });

  it('refuses --cookie-refresh > 0', () => {
    assertHasError(loadErrors([...VALID_ARGS, '--session-cookie-minimal=true', '--cookie-refresh=1h']), 'session-cookie-minimal', '--cookie-refresh');
  });

  it('refuses every flag that needs a token, each named', () => {
    const errors = loadErrors([
      ...VALID_ARGS, '--session-cookie-minimal=true',
      '--pass-access-token=true', '--pass-authorization-header=true', '--set-authorization-header=true',
    ]);
    for (const flag of ['pass-access-token', 'pass-authorization-header', 'set-authorization-header']) {
      assertHasError(errors, 'session-cookie-minimal', `--${flag}`);
    }
  });

  it('refuses --oidc-backchannel-logout, which matches sessions by the ID token', () => {
    const redis = ['--session-store-type=redis', '--redis-connection-url=redis://127.0.0.1:6379'];
    assertHasError(loadErrors([...VALID_ARGS, ...redis, '--session-cookie-minimal=true', '--oidc-backchannel-logout=true']), 'session-cookie-minimal', '--oidc-backchannel-logout');
  });

  it('leaves the token flags alone without it', () => {
    loadOk([...VALID_ARGS, '--pass-access-token=true', '--cookie-refresh=1h']);
  });
});

describe('--signature-key', () => {
  it('accepts the algorithms node:crypto offers', () => {
    for (const a of ['sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'md5']) loadOk([...VALID_ARGS, `--signature-key=${a}:s3cr3t-value`]);
  });

  it('refuses a malformed value without quoting the secret', () => {
    for (const v of ['sha256', 'sha256:s3cr3t:more', 'sha999:s3cr3t-value']) {
      const errors = loadErrors([...VALID_ARGS, `--signature-key=${v}`]);
      assertHasError(errors, 'signature-key');
      assert.ok(!errors.join('\n').includes('s3cr3t'), errors.join('\n'));
    }
  });

  it('says clearly when an algorithm oauth2-proxy knows is missing from this Node.js', async () => {
    const { getHashes } = await import('node:crypto');
    for (const a of ['md4', 'ripemd160']) {
      if (getHashes().includes(a)) loadOk([...VALID_ARGS, `--signature-key=${a}:s3cr3t-value`]);
      else assertHasError(loadErrors([...VALID_ARGS, `--signature-key=${a}:s3cr3t-value`]), 'signature-key', 'not available in this Node.js');
    }
  });
});
