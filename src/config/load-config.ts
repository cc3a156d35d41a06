/**
 * Loads the effective configuration: built-in defaults → TOML file → env `RUVECTOR__SECTION__KEY`
 * → command-line flags, validated against the one schema and frozen.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ConfigEntry } from './config-entry.js';
import { entriesFromEnv } from './env-source.js';
import { readConfigFile } from './file-source.js';
import { resolveConfig } from './resolve-config.js';
import type { RuVectorConfig } from './schema.js';

/** The file read when no `--config` is given, relative to the working directory (if present). */
export const DEFAULT_CONFIG_FILE = join('config', 'ruvector.toml');

/** A value given on the command line, e.g. `{ path: 'service.port', flag: '--port', value: '7000' }`. */
export interface FlagValue {
  path: string;
  flag: string;
  /** Strings are parsed to the key's type; booleans (switches such as `--no-auth`) are taken as is. */
  value: string | boolean;
}

export interface LoadConfigOptions {
  /** `--config FILE`: must exist. Without it, `./config/ruvector.toml` is read when present. */
  file?: string;
  /** Defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  flags?: readonly FlagValue[];
  /** Where the default file is looked for; defaults to process.cwd(). */
  cwd?: string;
}

export interface LoadedConfig {
  config: RuVectorConfig;
  /** The TOML file that was read, if any. */
  file?: string;
}

/**
 * @throws RvError RV_CONFIG_INVALID naming the key, its source and the rule (see resolveConfig).
 * @example
 *   const { config } = loadConfig({ flags: [{ path: 'service.port', flag: '--port', value: '7000' }] });
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  let file = options.file;
  if (file === undefined) {
    const candidate = join(cwd, DEFAULT_CONFIG_FILE);
    if (existsSync(candidate)) file = relative(process.cwd(), candidate) || candidate;
  }
  const fileEntries = file === undefined ? [] : readConfigFile(file);
  const envEntries = entriesFromEnv(options.env ?? process.env);
  const flagEntries: ConfigEntry[] = (options.flags ?? []).map((f) => ({ path: f.path, value: f.value, source: { kind: 'flag', name: f.flag } }));
  const config = resolveConfig([fileEntries, envEntries, flagEntries]);
  return file === undefined ? { config } : { config, file };
}
