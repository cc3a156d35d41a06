/** config/: the one schema, its layered loader (TOML → env RUVECTOR__SECTION__KEY → flags) and redaction. */
export {
  CONFIG_SCHEMA, LOG_LEVELS, LOG_FORMATS, DURABILITY_MODES, TLS_CLIENT_AUTH_MODES, configKeys, fieldAt,
  type RuVectorConfig, type ConfigSchema, type FieldSpec, type LogLevel, type LogFormat, type DurabilityMode, type TlsClientAuth,
} from './schema.js';
export { describeSource, type ConfigEntry, type ConfigSource, type ConfigSourceKind } from './config-entry.js';
export { entriesFromEnv, envNameFor, ENV_PREFIX } from './env-source.js';
export { entriesFromToml, readConfigFile } from './file-source.js';
export { resolveConfig, type ConfigProblem } from './resolve-config.js';
export { loadConfig, DEFAULT_CONFIG_FILE, type FlagValue, type LoadConfigOptions, type LoadedConfig } from './load-config.js';
export { redactConfig, REDACTED } from './redact.js';
export { isLoopbackHost } from './loopback.js';
export { parseTrustedProxies } from './trusted-proxies.js';
