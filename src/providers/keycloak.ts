// keycloak (legacy): the generic OAuth2 form, every URL given by hand; the profile answer gives
// email, groups, preferred_username and user.

import { stringAt, stringsAt } from './http.js';
import { bearer } from './oauth2.js';
import type { ProfileSpec } from './profile-spec.js';
import type { Identity } from './oauth2.js';

export const keycloak: ProfileSpec = {
  kind: 'keycloak',
  displayName: 'Keycloak',
  scope: 'api',
  async read(api, url, token) {
    const body = await api.getJson(url, bearer(token));
    const preferredUsername = stringAt(body, ['preferred_username']);
    const who: Identity = {
      user: stringAt(body, ['user']) ?? preferredUsername ?? '',
      email: stringAt(body, ['email']) ?? '',
      groups: stringsAt(body, ['groups']),
    };
    if (preferredUsername) who.preferredUsername = preferredUsername;
    return who;
  },
};
