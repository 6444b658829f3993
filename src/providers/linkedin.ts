// linkedin: OAuth2; the email is the first element's handle~.emailAddress of the emailAddress API.

import { stringAt } from './http.js';
import { bearer } from './oauth2.js';
import type { ProfileSpec } from './profile-spec.js';

export const linkedin: ProfileSpec = {
  kind: 'linkedin',
  displayName: 'LinkedIn',
  loginUrl: 'https://www.linkedin.com/oauth/v2/authorization',
  redeemUrl: 'https://www.linkedin.com/uas/oauth2/accessToken',
  profileUrl: 'https://api.linkedin.com/v2/emailAddress',
  scope: 'r_emailaddress r_liteprofile',
  async read(api, url, token) {
    url.search = '?q=members&projection=(elements*(handle~))';
    const body = await api.getJson(url, bearer(token, { 'x-li-format': 'json' }));
    return { user: '', email: stringAt(body, ['elements', 0, 'handle~', 'emailAddress']) ?? '', groups: [] };
  },
};
