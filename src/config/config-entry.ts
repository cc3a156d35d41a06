/** One configured value and where it came from, so a validation error can name its source. */

export type ConfigSourceKind = 'default' | 'file' | 'env' | 'flag';

export interface ConfigSource {
  kind: ConfigSourceKind;
  /** The file path, env variable or flag that set the value (`RUVECTOR__SERVICE__PORT`, `--port`). */
  name: string;
}

export interface ConfigEntry {
  /** `section.key`, e.g. `service.port`. */
  path: string;
  /**
   * The value as the source gave it: typed for a TOML file; a string for env and flags
   * (parsed to the schema's type when validated).
   */
  value: unknown;
  source: ConfigSource;
}

/** `env RUVECTOR__SERVICE__PORT`, `file ./config/ruvector.toml`, `flag --port`. */
export function describeSource(source: ConfigSource): string {
  return source.kind === 'default' ? 'built-in default' : `${source.kind} ${source.name}`;
}
