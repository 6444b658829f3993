// nextcloud: OAuth2 with every URL configured; the OCS user API gives ocs.data.id (user), email and groups.

import { stringAt, stringsAt } from './http.js';
import { bearer } from './oauth2.js';
import type { ProfileSpec } from './profile-spec.js';

export const nextcloud: ProfileSpec = {
  kind: 'nextcloud',
  displayName: 'Nextcloud',
  scope: '',
  async read(api, url, token) {
    const body = await api.getJson(url, bearer(token));
    return { user: stringAt(body, ['ocs', 'data', 'id']) ?? '', email: stringAt(body, ['ocs', 'data', 'email']) ?? '', groups: stringsAt(body, ['ocs', 'data', 'groups']) };
  },
};
