// The sign-in buttons' labels when several providers are configured.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buttonLabels } from '../src/components.js';
import type { Provider } from '../src/providers/provider.js';

const provider = (id: string, displayName: string) => ({ id, displayName }) as unknown as Provider;

describe('sign-in button labels', () => {
  it('shows each display name, adding the id only where two would read the same', () => {
    assert.deepEqual(buttonLabels([provider('oidc=app', 'OpenID Connect'), provider('corp', 'OpenID Connect'), provider('gh', 'GitHub')]), [
      { id: 'oidc=app', name: 'OpenID Connect (oidc=app)' },
      { id: 'corp', name: 'OpenID Connect (corp)' },
      { id: 'gh', name: 'GitHub' },
    ]);
    assert.deepEqual(buttonLabels([provider('a', 'Main'), provider('b', 'Corp')]).map((b) => b.name), ['Main', 'Corp']);
  });
});
