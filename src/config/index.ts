export { loadConfig, defaultConfig, type LoadResult } from './load.js';
export { validate, configWarnings } from './validate.js';
export { helpText, packageVersion, versionText } from './help.js';
export { parseGoDuration, formatDuration } from './duration.js';
export { OPTIONS, GROUP_TITLES, fieldName, optionByName, optionByKey, optionByEnv } from './options.js';
export type { OptionSpec, OptionType, OptionGroup, Support } from './options.js';
export type { Config, ConfigField } from './types.js';
export { DEV_OIDC_CLIENT_ID, DEV_OIDC_CLIENT_SECRET } from './presets.js';
