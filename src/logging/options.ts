// The logger's settings as the configuration states them.
import type { Config } from '../config/index.js';
import type { LogFormat, LogOptions } from '../log.js';

export function logOptionsOf(config: Config, env: Readonly<Record<string, string | undefined>>): LogOptions {
  return {
    standardLogging: config.standardLogging,
    authLogging: config.authLogging,
    requestLogging: config.requestLogging,
    format: config.loggingFormat as LogFormat,
    standardFormat: config.standardLoggingFormat,
    authFormat: config.authLoggingFormat,
    requestFormat: config.requestLoggingFormat,
    excludePaths: config.excludeLoggingPaths,
    errorsToInfoLog: config.errorsToInfoLog,
    localTime: config.loggingLocalTime,
    env,
    ...(config.loggingFilename !== ''
      ? { file: { filename: config.loggingFilename, maxSizeMb: config.loggingMaxSize, maxAgeDays: config.loggingMaxAge, maxBackups: config.loggingMaxBackups, compress: config.loggingCompress } }
      : {}),
  };
}
