// digitalocean: OAuth2; the email is `account.email` of the account API (/v2/account).

import { stringAt } from './http.js';
import { bearer } from './oauth2.js';
import type { ProfileSpec } from './profile-spec.js';

export const digitalocean: ProfileSpec = {
  kind: 'digitalocean',
  displayName: 'DigitalOcean',
  loginUrl: 'https://cloud.digitalocean.com/v1/oauth/authorize',
  redeemUrl: 'https://cloud.digitalocean.com/v1/oauth/token',
  profileUrl: 'https://api.digitalocean.com/v2/account',
  scope: 'read',
  async read(api, url, token) {
    const body = await api.getJson(url, bearer(token));
    return { user: '', email: stringAt(body, ['account', 'email']) ?? '', groups: [] };
  },
};
