// facebook: OAuth2; the email comes from the Graph API's /me?fields=name,email.

import { stringAt } from './http.js';
import { bearer } from './oauth2.js';
import type { ProfileSpec } from './profile-spec.js';

export const facebook: ProfileSpec = {
  kind: 'facebook',
  displayName: 'Facebook',
  loginUrl: 'https://www.facebook.com/v2.5/dialog/oauth',
  redeemUrl: 'https://graph.facebook.com/v2.5/oauth/access_token',
  profileUrl: 'https://graph.facebook.com/v2.5/me',
  scope: 'public_profile email',
  async read(api, url, token) {
    url.searchParams.set('fields', 'name,email');
    const body = await api.getJson(url, bearer(token));
    return { user: '', email: stringAt(body, ['email']) ?? '', groups: [] };
  },
};
