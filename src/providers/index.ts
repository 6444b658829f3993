// Picks the provider implementation named by the `provider` option.

import { createOidcProvider, type OidcProviderOptions } from './oidc.js';
import { ProviderError, type Provider } from './provider.js';

export type { AuthorizationRequest, Provider, RedeemRequest } from './provider.js';
export { ProviderError, isProviderError } from './provider.js';
export { createOidcProvider, isLoopbackHost, type OidcProviderOptions } from './oidc.js';

/** The provider-related part of the proxy configuration. */
export interface ProviderConfig extends OidcProviderOptions {
  provider: string;
}

export const SUPPORTED_PROVIDERS: readonly string[] = ['oidc'];

export function createProvider(config: ProviderConfig): Provider {
  switch (config.provider) {
    case 'oidc':
      return createOidcProvider(config);
    default:
      throw new ProviderError(
        'config',
        `provider "${config.provider}" is not supported (supported: ${SUPPORTED_PROVIDERS.join(', ')})`,
      );
  }
}
