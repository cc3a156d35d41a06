/**
 * The one configuration schema: every key RuVector reads, its type, default, rule and meaning.
 *
 * Sections and keys are snake_case as they appear in TOML (`[service] port = 6333`) and in env
 * (`RUVECTOR__SERVICE__PORT`). The mapped type below makes the compiler reject a key of
 * `RuVectorConfig` that has no entry here, so the type, the validator and docs/configuration.md
 * (checked by test/unit/config/docs.test.ts) cannot drift apart.
 */

/** pino's level names, lowest volume last. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const DURABILITY_MODES = ['normal', 'fsync'] as const;
export type DurabilityMode = (typeof DURABILITY_MODES)[number];

/** The effective configuration of a RuVector process (frozen once loaded). */
export interface RuVectorConfig {
  readonly service: {
    readonly host: string;
    readonly port: number;
    /** Admin (read-write) key; undefined when none is configured. */
    readonly api_key?: string;
    /** Key that may only read; undefined when none is configured. */
    readonly read_only_api_key?: string;
    readonly auth_disabled: boolean;
    readonly max_request_size_mb: number;
  };
  readonly storage: {
    readonly path: string;
    readonly durability: DurabilityMode;
  };
  /** Mirrors the engine's EngineLimits in snake_case (test/unit/config checks the mirror). */
  readonly limits: {
    readonly max_vector_dimension: number;
    readonly max_batch_points: number;
    readonly max_search_limit: number;
    readonly max_payload_bytes: number;
    readonly max_filter_depth: number;
    readonly max_collection_name_length: number;
    readonly max_batch_queries: number;
  };
  readonly log: {
    readonly level: LogLevel;
    readonly format: LogFormat;
  };
  readonly tracing: {
    /** OTLP/HTTP traces endpoint; undefined: tracing off. */
    readonly otlp_endpoint?: string;
    readonly sample_ratio: number;
  };
}

export type ConfigSection = keyof RuVectorConfig;

interface FieldBase {
  /** One line for docs/configuration.md and error hints. */
  description: string;
}

/** A string; `default` absent means the key is optional (undefined when unset). */
export interface StringField extends FieldBase {
  type: 'string';
  default?: string;
  minLength: number;
  /** Never logged or echoed in an error: redactConfig() replaces it with "***". */
  secret?: boolean;
}

export interface IntegerField extends FieldBase {
  type: 'integer';
  default: number;
  min: number;
  max: number;
}

/** A finite number (fractions allowed) within [min, max]. */
export interface NumberField extends FieldBase {
  type: 'number';
  default: number;
  min: number;
  max: number;
}

export interface BooleanField extends FieldBase {
  type: 'boolean';
  default: boolean;
}

export interface EnumField extends FieldBase {
  type: 'enum';
  values: readonly string[];
  default: string;
}

export type FieldSpec = StringField | IntegerField | NumberField | BooleanField | EnumField;

export type ConfigSchema = {
  readonly [S in ConfigSection]: { readonly [K in keyof RuVectorConfig[S]]-?: FieldSpec };
};

const MIB = 1024 * 1024;

export const CONFIG_SCHEMA: ConfigSchema = {
  service: {
    host: { type: 'string', default: '127.0.0.1', minLength: 1, description: 'Address the HTTP server binds to. Use 0.0.0.0 (or ::) to listen on every interface.' },
    port: { type: 'integer', default: 6333, min: 0, max: 65535, description: 'TCP port of the HTTP (Qdrant REST) API; 0 picks a free port.' },
    api_key: {
      type: 'string', minLength: 16, secret: true,
      description: 'Admin API key (read and write), sent as the `api-key` header or `Authorization: Bearer`. Unset: a bootstrap key is generated on first start.',
    },
    read_only_api_key: { type: 'string', minLength: 16, secret: true, description: 'API key that may only read (search, scroll, retrieve, info).' },
    auth_disabled: { type: 'boolean', default: false, description: 'Turns authentication off. Allowed only when `service.host` is a loopback address.' },
    max_request_size_mb: { type: 'integer', default: 32, min: 1, max: 4096, description: 'Largest request body in MiB; larger requests get 413.' },
  },
  storage: {
    path: { type: 'string', default: './data', minLength: 1, description: 'Data directory (collections, snapshots, the bootstrap key hash); relative to the working directory.' },
    durability: {
      type: 'enum', values: DURABILITY_MODES, default: 'normal',
      description: '`normal`: no acknowledged write is lost when the process is killed. `fsync`: also none on power loss (slower writes).',
    },
  },
  limits: {
    max_vector_dimension: { type: 'integer', default: 65536, min: 1, max: 65536, description: 'Largest vector size a collection may declare.' },
    max_batch_points: { type: 'integer', default: 10000, min: 1, max: 1_000_000, description: 'Points in one upsert or batch request.' },
    max_search_limit: { type: 'integer', default: 10000, min: 1, max: 1_000_000, description: 'Largest `limit` (and `limit + offset`) of a search, query or scroll.' },
    max_payload_bytes: { type: 'integer', default: 1 * MIB, min: 1024, max: 256 * MIB, description: 'Serialized payload size of one point, in bytes.' },
    max_filter_depth: { type: 'integer', default: 16, min: 1, max: 256, description: 'Nesting depth of a filter (must/should/must_not/nested).' },
    max_collection_name_length: { type: 'integer', default: 255, min: 1, max: 255, description: 'Characters in a collection or alias name.' },
    max_batch_queries: { type: 'integer', default: 100, min: 1, max: 10000, description: 'Queries in one search/query batch request.' },
  },
  log: {
    level: { type: 'enum', values: LOG_LEVELS, default: 'info', description: 'Lowest level logged.' },
    format: { type: 'enum', values: LOG_FORMATS, default: 'json', description: '`json`: one JSON object per line (pino). `text`: one readable line per entry, for a terminal.' },
  },
  tracing: {
    otlp_endpoint: { type: 'string', minLength: 1, description: 'OTLP/HTTP traces endpoint (e.g. `http://collector:4318/v1/traces`); unset: tracing off.' },
    sample_ratio: { type: 'number', default: 0.01, min: 0, max: 1, description: 'Share of new root traces recorded (parent-based: a sampled parent is always followed).' },
  },
};

/** `service.port` → its spec, or undefined for an unknown key. */
export function fieldAt(section: string, key: string): FieldSpec | undefined {
  if (!Object.hasOwn(CONFIG_SCHEMA, section)) return undefined;
  const fields = CONFIG_SCHEMA[section as ConfigSection] as Record<string, FieldSpec>;
  return Object.hasOwn(fields, key) ? fields[key] : undefined;
}

/** Every key as `section.key`, in schema order. */
export function configKeys(): string[] {
  return Object.entries(CONFIG_SCHEMA).flatMap(([section, fields]) => Object.keys(fields).map((key) => `${section}.${key}`));
}
