// sourcehut: OAuth2; username and email come from meta.sr.ht's GraphQL API.

import { stringAt } from './http.js';
import { bearer } from './oauth2.js';
import type { ProfileSpec } from './profile-spec.js';

export const sourcehut: ProfileSpec = {
  kind: 'sourcehut',
  displayName: 'SourceHut',
  loginUrl: 'https://meta.sr.ht/oauth2/authorize',
  redeemUrl: 'https://meta.sr.ht/oauth2/access-token',
  profileUrl: 'https://meta.sr.ht/query',
  scope: 'meta.sr.ht/PROFILE:RO',
  async read(api, url, token) {
    const res = await api.call(url, {
      method: 'POST',
      headers: bearer(token, { 'Content-Type': 'application/json' }),
      body: JSON.stringify({ query: '{ me { username, email } }' }),
    });
    const username = stringAt(res.json, ['data', 'me', 'username']) ?? '';
    return { user: username, email: stringAt(res.json, ['data', 'me', 'email']) ?? '', groups: [], preferredUsername: username };
  },
};
