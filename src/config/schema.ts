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

/** `none`: no client certificates; `optional`: verified when sent; `required`: mTLS. */
export const TLS_CLIENT_AUTH_MODES = ['none', 'optional', 'required'] as const;
export type TlsClientAuth = (typeof TLS_CLIENT_AUTH_MODES)[number];
export type DurabilityMode = (typeof DURABILITY_MODES)[number];

export const SECRETS_PROVIDERS = ['env', 'file', 'vault'] as const;
export type SecretsProviderKind = (typeof SECRETS_PROVIDERS)[number];

export const VAULT_AUTH_METHODS = ['token', 'approle'] as const;
export type VaultAuthMethod = (typeof VAULT_AUTH_METHODS)[number];

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
    /** Comma-separated origins allowed by CORS; undefined: CORS off. */
    readonly cors_origins?: string;
    /** Comma-separated proxy addresses/CIDRs whose X-Forwarded-For is trusted; undefined: none. */
    readonly trusted_proxies?: string;
  };
  /** Stored keys, roles and JWT issuers (docs/security.md). */
  readonly auth: {
    readonly roles_file?: string;
    readonly jwt_issuers_file?: string;
    readonly jwt_leeway_seconds: number;
    readonly jwks_refresh_seconds: number;
    readonly jwks_cooldown_seconds: number;
  };
  /** HTTPS and client certificates (docs/security.md). */
  readonly tls: {
    readonly cert_file?: string;
    readonly key_file?: string;
    readonly ca_file?: string;
    readonly cert_secret?: string;
    readonly key_secret?: string;
    readonly ca_secret?: string;
    readonly client_auth: TlsClientAuth;
    readonly reload_interval_seconds: number;
  };
  /** Per-address and per-credential request rate limits (docs/security.md). */
  readonly rate_limit: {
    readonly enabled: boolean;
    readonly window_seconds: number;
    readonly per_ip: number;
    readonly read_per_principal: number;
    readonly write_per_principal: number;
    readonly admin_per_principal: number;
  };
  readonly storage: {
    readonly path: string;
    readonly durability: DurabilityMode;
    /** Seal every stored blob, checkpoint and snapshot with AES-256-GCM (docs/security.md (Encryption at rest)). */
    readonly encryption: boolean;
  };
  /** Where secrets (the master key) come from. */
  readonly secrets: {
    readonly provider: SecretsProviderKind;
    readonly file_dir?: string;
    readonly vault_address?: string;
    readonly vault_mount: string;
    readonly vault_path: string;
    readonly vault_auth: VaultAuthMethod;
    readonly vault_token?: string;
    readonly vault_role_id?: string;
    readonly vault_secret_id?: string;
    readonly vault_timeout_ms: number;
    readonly cache_ttl_seconds: number;
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
  /** Timeouts, load shedding, read-only degradation, shutdown (docs/operations/reliability.md). */
  readonly reliability: {
    readonly read_timeout_ms: number;
    readonly write_timeout_ms: number;
    readonly admin_timeout_ms: number;
    readonly max_timeout_seconds: number;
    readonly max_in_flight: number;
    readonly max_event_loop_delay_ms: number;
    readonly event_loop_sustained_ms: number;
    readonly event_loop_probe_interval_ms: number;
    readonly retry_after_seconds: number;
    readonly min_free_disk_mb: number;
    readonly disk_check_interval_ms: number;
    readonly shutdown_timeout_ms: number;
    readonly shutdown_readiness_delay_ms: number;
  };
  /** Scheduled full/incremental backups (docs/operations/backup-restore.md). */
  readonly backup: {
    /** `file:///abs/dir` or `s3://bucket/prefix`; undefined: backups off. */
    readonly target?: string;
    readonly full_schedule?: string;
    readonly incremental_schedule?: string;
    readonly timezone: string;
    readonly retention_days: number;
    readonly retention_count: number;
    readonly s3_endpoint?: string;
    readonly s3_region: string;
    readonly s3_force_path_style: boolean;
    readonly s3_access_key_id?: string;
    readonly s3_secret_access_key?: string;
    readonly s3_access_key_id_secret?: string;
    readonly s3_secret_access_key_secret?: string;
  };
  /** The tamper-evident audit trail (docs/security.md (Audit trail)). */
  readonly audit: {
    readonly enabled: boolean;
    /** Undefined: `<storage.path>/audit`. */
    readonly dir?: string;
    readonly fsync_batch_count: number;
    readonly fsync_interval_ms: number;
    readonly rotate_size_bytes: number;
    readonly retention_days: number;
    /** Name of the secret holding the HMAC key; undefined: plain SHA-256 chain. */
    readonly hmac_key_secret?: string;
  };
  /** Cluster mode on NATS JetStream (docs/cluster.md); `servers` unset: a single node. */
  readonly cluster: {
    /** Comma-separated NATS URLs; undefined: no cluster. */
    readonly servers?: string;
    readonly node_id?: string;
    readonly advertise_url?: string;
    readonly tls_ca_file?: string;
    readonly tls_cert_file?: string;
    readonly tls_key_file?: string;
    readonly nats_user?: string;
    readonly nats_password_secret?: string;
    readonly nats_token_secret?: string;
    readonly replication_factor: number;
    readonly max_stream_replicas: number;
    readonly meta_replicas: number;
    readonly heartbeat_ms: number;
    readonly node_ttl_ms: number;
    readonly request_timeout_ms: number;
    readonly write_timeout_ms: number;
    readonly read_wait_ms: number;
    readonly snapshot_every_ops: number;
    readonly stream_retain_ops: number;
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
    cors_origins: { type: 'string', minLength: 1, description: 'Comma-separated origins (`https://console.example.com`) allowed to call the API from a browser; unset: CORS off.' },
    trusted_proxies: { type: 'string', minLength: 1, description: 'Comma-separated addresses or CIDRs of the reverse proxies / load balancers in front (`10.0.0.0/8,127.0.0.1`): from them `X-Forwarded-For` gives the client address used by per-address rate limits and the audit trail; unset: the socket\'s address, forwarded headers ignored.' },
  },
  auth: {
    roles_file: { type: 'string', minLength: 1, description: 'JSON file `{"roles": [{name, description, grants: [{permission, collections}]}]}`: roles defined by configuration (read-only through the API).' },
    jwt_issuers_file: { type: 'string', minLength: 1, description: 'JSON file `{"issuers": [...]}` of trusted JWT issuers (JWKS URL, PEM public key or HS256 secret each); unset: JWTs are refused.' },
    jwt_leeway_seconds: { type: 'integer', default: 30, min: 0, max: 600, description: 'Clock skew tolerated on a token\'s `exp` and `nbf`.' },
    jwks_refresh_seconds: { type: 'integer', default: 300, min: 10, max: 86400, description: 'How long keys fetched from a JWKS URL are used before they are fetched again.' },
    jwks_cooldown_seconds: { type: 'integer', default: 30, min: 1, max: 3600, description: 'Least time between JWKS refetches caused by tokens with an unknown `kid`.' },
  },
  tls: {
    cert_file: { type: 'string', minLength: 1, description: 'PEM certificate chain of the HTTPS server; with `key_file`, the API is served over HTTPS only.' },
    key_file: { type: 'string', minLength: 1, description: 'PEM private key of `cert_file`.' },
    ca_file: { type: 'string', minLength: 1, description: 'PEM CA bundle client certificates must chain to (needed for `client_auth`).' },
    cert_secret: { type: 'string', minLength: 1, description: 'Instead of `cert_file`: the name of a secret in the `[secrets]` provider holding the PEM certificate chain (re-read from the provider every `reload_interval_seconds`).' },
    key_secret: { type: 'string', minLength: 1, description: 'Instead of `key_file`: the name of a secret holding the PEM private key.' },
    ca_secret: { type: 'string', minLength: 1, description: 'Instead of `ca_file`: the name of a secret holding the PEM CA bundle for client certificates.' },
    client_auth: { type: 'enum', values: TLS_CLIENT_AUTH_MODES, default: 'none', description: '`required`: mTLS, a connection without a valid client certificate is refused; `optional`: verified when presented.' },
    reload_interval_seconds: { type: 'integer', default: 60, min: 1, max: 86400, description: 'How often the certificate, key and CA files are checked for changes and reloaded without restart.' },
  },
  rate_limit: {
    enabled: { type: 'boolean', default: true, description: 'Answer 429 with Retry-After when a client address or credential exceeds its budget.' },
    window_seconds: { type: 'integer', default: 1, min: 1, max: 3600, description: 'Length of a rate-limit window; the budgets below are per window.' },
    per_ip: { type: 'integer', default: 20000, min: 1, max: 10_000_000, description: 'Requests per window from one client address (checked before authentication, so it also bounds credential guessing).' },
    read_per_principal: { type: 'integer', default: 20000, min: 1, max: 10_000_000, description: 'Read requests (search, scroll, retrieve, info) per window from one credential.' },
    write_per_principal: { type: 'integer', default: 10000, min: 1, max: 10_000_000, description: 'Write requests per window from one credential.' },
    admin_per_principal: { type: 'integer', default: 100, min: 1, max: 10_000_000, description: 'Admin requests (collections, snapshots, keys, roles, backups) per window from one credential.' },
  },
  storage: {
    path: { type: 'string', default: './data', minLength: 1, description: 'Data directory (collections, snapshots, the bootstrap key hash); relative to the working directory.' },
    durability: {
      type: 'enum', values: DURABILITY_MODES, default: 'normal',
      description: '`normal`: no acknowledged write is lost when the process is killed. `fsync`: also none on power loss (slower writes).',
    },
    encryption: { type: 'boolean', default: false, description: 'Seal vectors, payloads, op-log records, index checkpoints and snapshots with AES-256-GCM; the master key comes from `[secrets]` (`RUVECTOR_MASTER_KEY` with the env provider).' },
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
  reliability: {
    read_timeout_ms: { type: 'integer', default: 5000, min: 100, max: 3_600_000, description: 'Time limit of read requests (search, query, scroll, count, retrieve, info, metrics); over it: 504 RV_TIMEOUT.' },
    write_timeout_ms: { type: 'integer', default: 30000, min: 100, max: 3_600_000, description: 'Time limit of write requests (upsert, delete, payload, vectors, batch). A timed-out write may still commit: retry it with the same ids.' },
    admin_timeout_ms: { type: 'integer', default: 60000, min: 100, max: 3_600_000, description: 'Time limit of admin requests (collections, snapshots, aliases, locks, keys).' },
    max_timeout_seconds: { type: 'integer', default: 600, min: 1, max: 86400, description: 'Largest per-request `timeout` query parameter (seconds, as Qdrant) honoured; larger values are capped.' },
    max_in_flight: { type: 'integer', default: 1024, min: 1, max: 1_000_000, description: 'Requests served at once; more get 503 RV_OVERLOADED with Retry-After (health probes are never shed).' },
    max_event_loop_delay_ms: { type: 'integer', default: 500, min: 10, max: 60000, description: 'Event-loop lateness above which the loop counts as lagging; sustained for `event_loop_sustained_ms`, new requests are shed.' },
    event_loop_sustained_ms: { type: 'integer', default: 3000, min: 0, max: 600000, description: 'How long every probe must see the loop lagging before shedding starts (one long stall never sheds).' },
    event_loop_probe_interval_ms: { type: 'integer', default: 100, min: 5, max: 10000, description: 'Period of the event-loop drift probe.' },
    retry_after_seconds: { type: 'integer', default: 1, min: 1, max: 3600, description: 'Retry-After sent with 503 RV_OVERLOADED.' },
    min_free_disk_mb: { type: 'integer', default: 512, min: 0, max: 16_777_216, description: 'Free space (MiB) on the data directory\'s file system below which writes get 503 RV_READ_ONLY; 0 turns the check off.' },
    disk_check_interval_ms: { type: 'integer', default: 5000, min: 100, max: 3_600_000, description: 'How often free disk space is checked (read-only mode lifts itself at the first check with enough space).' },
    shutdown_timeout_ms: { type: 'integer', default: 30000, min: 0, max: 3_600_000, description: 'On SIGTERM, how long in-flight requests may take to finish before their connections are closed.' },
    shutdown_readiness_delay_ms: { type: 'integer', default: 0, min: 0, max: 600000, description: 'On SIGTERM, time between readiness turning 503 and the listener closing (lets load balancers stop routing first).' },
  },
  secrets: {
    provider: { type: 'enum', values: SECRETS_PROVIDERS, default: 'env', description: 'Where secrets are read: `env` (`RUVECTOR_<NAME>` variables), `file` (one 0600 file per secret in `file_dir`), `vault` (HashiCorp Vault KV v2).' },
    file_dir: { type: 'string', minLength: 1, description: 'Directory of secret files for the `file` provider (e.g. `master_key`, `master_key_previous`); each must be mode 0600.' },
    vault_address: { type: 'string', minLength: 1, description: 'Vault base URL for the `vault` provider, e.g. `https://vault:8200`.' },
    vault_mount: { type: 'string', default: 'secret', minLength: 1, description: 'Mount path of the KV v2 secrets engine.' },
    vault_path: { type: 'string', default: 'ruvector', minLength: 1, description: 'Secret path inside the mount; its fields are the secret names (`master_key`, `master_key_previous`).' },
    vault_auth: { type: 'enum', values: VAULT_AUTH_METHODS, default: 'token', description: '`token` (uses `vault_token`) or `approle` (logs in with `vault_role_id` and `vault_secret_id`).' },
    vault_token: { type: 'string', minLength: 1, secret: true, description: 'Vault token for `vault_auth = "token"`.' },
    vault_role_id: { type: 'string', minLength: 1, secret: true, description: 'AppRole role id for `vault_auth = "approle"`.' },
    vault_secret_id: { type: 'string', minLength: 1, secret: true, description: 'AppRole secret id for `vault_auth = "approle"`.' },
    vault_timeout_ms: { type: 'integer', default: 5000, min: 100, max: 120_000, description: 'Timeout of each Vault HTTP request in milliseconds.' },
    cache_ttl_seconds: { type: 'integer', default: 300, min: 0, max: 86_400, description: 'How long a secret read is cached before the provider reads it again (0: never cached).' },
  },
  backup: {
    target: { type: 'string', minLength: 1, description: 'Where backups go: `file:///absolute/dir` or `s3://bucket/prefix`; unset: backups off (the CLI\'s `--target` overrides it).' },
    full_schedule: { type: 'string', minLength: 1, description: 'Cron expression for full backups, e.g. `0 3 * * *` (daily at 03:00); unset: none scheduled.' },
    incremental_schedule: { type: 'string', minLength: 1, description: 'Cron expression for incremental backups, e.g. `*/15 * * * *` (a 15-minute RPO); unset: none scheduled.' },
    timezone: { type: 'string', default: 'UTC', minLength: 1, description: 'Time zone of the cron expressions (IANA name).' },
    retention_days: { type: 'integer', default: 7, min: 0, max: 36500, description: 'Prune keeps backups younger than this many days (and every backup their chains need); 0: no age rule.' },
    retention_count: { type: 'integer', default: 0, min: 0, max: 100000, description: 'Prune keeps at least the newest this many backups (and their chains); 0: no count rule. Both rules 0: nothing is pruned.' },
    s3_endpoint: { type: 'string', minLength: 1, description: 'S3-compatible endpoint URL (MinIO, Ceph, R2…); unset: AWS S3.' },
    s3_region: { type: 'string', default: 'us-east-1', minLength: 1, description: 'S3 region.' },
    s3_force_path_style: { type: 'boolean', default: false, description: 'Path-style bucket addressing (`endpoint/bucket/key`), needed by most S3-compatible servers.' },
    s3_access_key_id: { type: 'string', minLength: 1, secret: true, description: 'S3 access key id; unset: the AWS SDK default chain (env, profile, instance role).' },
    s3_secret_access_key: { type: 'string', minLength: 1, secret: true, description: 'S3 secret access key.' },
    s3_access_key_id_secret: { type: 'string', minLength: 1, description: 'Name of the secret (from the `[secrets]` provider: env, file or Vault) holding the S3 access key id; goes with `s3_secret_access_key_secret`, instead of the two plain keys.' },
    s3_secret_access_key_secret: { type: 'string', minLength: 1, description: 'Name of the secret (from the `[secrets]` provider) holding the S3 secret access key; goes with `s3_access_key_id_secret`.' },
  },
  audit: {
    enabled: { type: 'boolean', default: true, description: 'Record every write, admin action, 401 and 403 in the hash-chained audit log.' },
    dir: { type: 'string', minLength: 1, description: 'Directory of the audit log; unset: `<storage.path>/audit`.' },
    fsync_batch_count: { type: 'integer', default: 100, min: 1, max: 100_000, description: 'Audit events written and fsynced together once this many are waiting.' },
    fsync_interval_ms: { type: 'integer', default: 1000, min: 1, max: 60_000, description: 'Longest time an audit event waits before its batch is written and fsynced, in milliseconds.' },
    rotate_size_bytes: { type: 'integer', default: 64 * MIB, min: 4096, max: 256 * MIB, description: 'A new audit file is started before one grows past this size (files also rotate daily, UTC).' },
    retention_days: { type: 'integer', default: 365, min: 0, max: 36500, description: 'Whole audit files older than this many days are deleted (the chain stays verifiable); 0 keeps everything.' },
    hmac_key_secret: { type: 'string', minLength: 1, description: 'Name of the secret (from the `[secrets]` provider) holding a base64 key of at least 32 bytes: entries are HMAC-SHA256 chained; unset: plain SHA-256.' },
  },
  cluster: {
    servers: { type: 'string', minLength: 1, description: 'Comma-separated NATS URLs (`nats://h1:4222,nats://h2:4222`, `tls://…` with TLS): the node joins the cluster (docs/cluster.md); unset: a single node.' },
    node_id: { type: 'string', minLength: 1, description: 'This node\'s id in the cluster (1 to 64 of A-Z a-z 0-9 _ -); required with `servers`, stable across restarts.' },
    advertise_url: { type: 'string', minLength: 1, description: 'This node\'s HTTP URL as peers and clients reach it (shown in `GET /cluster`); unset: the listen address.' },
    tls_ca_file: { type: 'string', minLength: 1, description: 'PEM CA bundle the NATS servers\' certificates must chain to.' },
    tls_cert_file: { type: 'string', minLength: 1, description: 'PEM client certificate presented to NATS (mTLS).' },
    tls_key_file: { type: 'string', minLength: 1, description: 'PEM private key of `tls_cert_file`.' },
    nats_user: { type: 'string', minLength: 1, description: 'NATS user name; goes with `nats_password_secret`.' },
    nats_password_secret: { type: 'string', minLength: 1, description: 'Name of the secret (from the `[secrets]` provider) holding the NATS password of `nats_user`; unset: no password.' },
    nats_token_secret: { type: 'string', minLength: 1, description: 'Name of the secret (from the `[secrets]` provider) holding a NATS authentication token (instead of user and password).' },
    replication_factor: { type: 'integer', default: 3, min: 1, max: 16, description: 'Replicas of each shard on distinct nodes when a create request gives no `replication_factor`.' },
    max_stream_replicas: { type: 'integer', default: 3, min: 1, max: 5, description: 'Largest JetStream replica count of a shard\'s op-log stream (at most the number of NATS servers).' },
    meta_replicas: { type: 'integer', default: 3, min: 1, max: 5, description: 'JetStream replicas of the metadata, membership and snapshot buckets.' },
    heartbeat_ms: { type: 'integer', default: 2000, min: 100, max: 60000, description: 'How often this node writes its heartbeat (membership, applied sequences).' },
    node_ttl_ms: { type: 'integer', default: 10000, min: 500, max: 600000, description: 'A node whose last heartbeat is older is unhealthy and leaves the shard placement.' },
    request_timeout_ms: { type: 'integer', default: 5000, min: 100, max: 600000, description: 'Time limit of one shard request of a fan-out (retried on other replicas within it).' },
    write_timeout_ms: { type: 'integer', default: 30000, min: 1000, max: 600000, description: 'How long a write keeps retrying its publish (same message id, de-duplicated) through a stream leader election.' },
    read_wait_ms: { type: 'integer', default: 10000, min: 0, max: 600000, description: 'How long read-your-writes reads and `wait=true` writes wait for a replica to reach the sequence.' },
    snapshot_every_ops: { type: 'integer', default: 10000, min: 0, max: 100_000_000, description: 'A shard snapshot goes to the JetStream object store every this many applied operations (new replicas start from it); 0: never.' },
    stream_retain_ops: { type: 'integer', default: 100000, min: 0, max: 100_000_000, description: 'Op-log stream records kept behind the latest snapshot (older ones are purged).' },
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
