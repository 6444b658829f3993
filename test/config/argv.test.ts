import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { VALID_ARGS, assertHasError, load, loadErrors, loadOk } from './support.js';

describe('command-line flags', () => {
  it('accepts --flag=value, --flag value, -flag=value and -flag value', () => {
    for (const form of [
      ['--http-address=0.0.0.0:4180'],
      ['--http-address', '0.0.0.0:4180'],
      ['-http-address=0.0.0.0:4180'],
      ['-http-address', '0.0.0.0:4180'],
    ]) {
      assert.equal(loadOk([...VALID_ARGS, ...form]).config.httpAddress, '0.0.0.0:4180', form.join(' '));
    }
  });

  it('keeps "=" inside the value', () => {
    const { config } = loadOk([...VALID_ARGS, '--scope=openid email', '--banner=a=b']);
    assert.equal(config.scope, 'openid email');
    assert.equal(config.banner, 'a=b');
  });

  it('takes booleans bare or with =value, never from the next argument', () => {
    assert.equal(loadOk([...VALID_ARGS, '--skip-provider-button']).config.skipProviderButton, true);
    assert.equal(loadOk([...VALID_ARGS, '-skip-provider-button']).config.skipProviderButton, true);
    assert.equal(loadOk([...VALID_ARGS, '--cookie-secure=false']).config.cookieSecure, false);
    for (const word of ['1', 't', 'T', 'TRUE', 'true', 'True']) {
      assert.equal(loadOk([...VALID_ARGS, `--force-json-errors=${word}`]).config.forceJsonErrors, true, word);
    }
    for (const word of ['0', 'f', 'F', 'FALSE', 'false', 'False']) {
      assert.equal(loadOk([...VALID_ARGS, `--pass-host-header=${word}`]).config.passHostHeader, false, word);
    }
    const errors = loadErrors([...VALID_ARGS, '--skip-provider-button', 'false']);
    assert.ok(errors.some((e) => e.includes('"false"') && e.includes('--skip-provider-button=false')), errors.join('\n'));
    assertHasError(loadErrors([...VALID_ARGS, '--cookie-secure=yes']), 'cookie-secure', /invalid boolean "yes"/);
  });

  it('collects list flags from repeats and commas', () => {
    const { config } = loadOk([
      ...VALID_ARGS,
      '--upstream=http://a:1/a/,http://b:2/b/',
      '--upstream',
      'http://c:3/c/',
      '-upstream=http://d:4/d/',
    ]);
    assert.deepEqual(config.upstreams, ['http://a:1/a/', 'http://b:2/b/', 'http://c:3/c/', 'http://d:4/d/']);
    const spaced = loadOk([...VALID_ARGS, '--whitelist-domain= a.example.com , b.example.com,']).config;
    assert.deepEqual(spaced.whitelistDomains, ['a.example.com', 'b.example.com']);
  });

  it('lets the last occurrence of a single-valued flag win', () => {
    assert.equal(loadOk([...VALID_ARGS, '--client-id=first', '--client-id=second']).config.clientId, 'second');
  });

  it('parses ints and durations', () => {
    const { config } = loadOk([...VALID_ARGS, '--logging-max-size=50', '--flush-interval=250ms']);
    assert.equal(config.loggingMaxSize, 50);
    assert.equal(config.flushInterval, 250);
    assertHasError(loadErrors([...VALID_ARGS, '--logging-max-size=big']), 'logging-max-size', /invalid integer "big"/);
  });

  it('accepts values that start with a dash', () => {
    const { config } = loadOk([...VALID_ARGS, '--banner', '-', '--footer', '-']);
    assert.equal(config.banner, '-');
    assert.equal(config.footer, '-');
  });

  it('reports a missing value', () => {
    assertHasError(loadErrors([...VALID_ARGS, '--client-id']), 'client-id', /missing value/);
    const errors = loadErrors(['--client-id', '--client-secret=x']);
    assertHasError(errors, 'client-id', /missing value/);
    assertHasError(loadErrors([...VALID_ARGS, '--upstream', '-cookie-secure']), 'upstream', /missing value/);
  });

  it('rejects unknown flags with a suggestion, without echoing their value', () => {
    const errors = loadErrors([...VALID_ARGS, '--upstreams=http://x', '--cookie_secret=hunter2-value', '--frobnicate']);
    assert.ok(errors.includes('unknown flag --upstreams (did you mean --upstream?)'), errors.join('\n'));
    assert.ok(errors.includes('unknown flag --cookie_secret (did you mean --cookie-secret?)'), errors.join('\n'));
    assert.ok(errors.includes('unknown flag --frobnicate'), errors.join('\n'));
    assert.ok(!errors.join('\n').includes('hunter2-value'));
    // The separate value of an unknown flag is neither reported nor printed.
    const spaced = loadErrors([...VALID_ARGS, '--client-secrt', 'hunter2-value']);
    assert.deepEqual(spaced, ['unknown flag --client-secrt (did you mean --client-secret?)']);
    assert.deepEqual(loadErrors([...VALID_ARGS, '-foo=1']), ['unknown flag -foo']);
  });

  it('rejects positional arguments', () => {
    assert.ok(loadErrors([...VALID_ARGS, 'serve']).some((e) => e.includes('"serve"')));
    assert.ok(loadErrors([...VALID_ARGS, '--', 'x']).some((e) => e.includes('after "--"')));
    assert.equal(load([...VALID_ARGS, '--']).ok, true);
    const errors = loadErrors([...VALID_ARGS, '--client-secret=', 'typed-after-a-space']);
    assert.ok(!errors.join('\n').includes('typed-after-a-space'), errors.join('\n'));
  });

  it('answers --help, -h and --version even when the rest is broken', () => {
    for (const argv of [['--help'], ['-h'], ['-help'], ['--version'], ['--nonsense', '--help']]) {
      const r = load(argv, { OAUTH2_PROXY_COOKIE_EXPIRE: 'bad' });
      assert.equal(r.ok, true, argv.join(' '));
      if (r.ok) assert.ok(r.config.help || r.config.version);
    }
  });

  it('sets command-line-only switches', () => {
    const { config } = loadOk([...VALID_ARGS, '--config-test']);
    assert.equal(config.configTest, true);
  });
});
