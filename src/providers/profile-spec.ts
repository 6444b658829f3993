// What a profile-API provider module declares: its default URLs and how to read the identity.
import type { ApiClient } from './http.js';
import type { Identity } from './oauth2.js';

export interface ProfileSpec {
  kind: string;
  displayName: string;
  loginUrl?: string;
  redeemUrl?: string;
  /** Where the identity is read: --profile-url, else this default, else --validate-url. */
  profileUrl?: string;
  scope: string;
  read(api: ApiClient, url: URL, token: string): Promise<Identity>;
}
