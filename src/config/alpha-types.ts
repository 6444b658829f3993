// The structures an alpha YAML file (or --extra-provider) yields beside plain option values, and
// the link from a loaded Config to them. A leaf module, so the readers of each part of the file and
// the components that use the result all depend on it rather than on each other.
import type { HostPattern } from '../upstream/hosts.js';
import type { OptionSpec } from './options.js';
import type { Config, OptionValue } from './types.js';

export type AlphaHeaderValue =
  | { kind: 'claim'; claim: string; prefix: string; basicAuthPassword?: string }
  | { kind: 'secret'; value: string };

export interface AlphaHeader {
  name: string;
  preserveRequestValue: boolean;
  values: AlphaHeaderValue[];
}

export interface AlphaUpstream {
  id: string;
  path: string;
  uri: string;
  passHostHeader?: boolean;
  proxyWebSockets?: boolean;
  timeoutMs?: number;
  flushIntervalMs?: number;
  insecureSkipVerify?: boolean;
}

export interface AlphaExtras {
  upstreams: AlphaUpstream[];
  requestHeaders: AlphaHeader[];
  responseHeaders: AlphaHeader[];
  /** oauth2-sidecar only: the `hosts:` entries, when the file has them. */
  hosts?: AlphaHost[];
  /** `providers` entries after the first: further providers (see extra-providers.ts). */
  providers?: ExtraProviderSpec[];
  /** The first entry's `id`, when set: the default provider's id. */
  defaultProviderId?: string;
}

/** Overrides of the --cookie-* options for one host; durations in ms. */
export interface HostCookie {
  name?: string;
  domains?: string[];
  path?: string;
  expire?: number;
  refresh?: number;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: string;
  csrfExpire?: number;
}

export interface AlphaHost {
  /** Where the entry is in the file, for messages: `hosts[1]`. */
  where: string;
  hosts: HostPattern[];
  upstreams: AlphaUpstream[];
  cookie: HostCookie;
}

/** One further provider: its id, where it was given (for messages) and its own option values. */
export interface ExtraProviderSpec {
  id: string;
  where: string;
  values: Map<OptionSpec, OptionValue>;
}

const extras = new WeakMap<Config, AlphaExtras>();

/** The structures of the alpha file the configuration was loaded from; undefined without one. */
export function alphaExtrasOf(config: Config): AlphaExtras | undefined {
  return extras.get(config);
}

export function attachAlphaExtras(config: Config, e: AlphaExtras): void {
  extras.set(config, e);
}
