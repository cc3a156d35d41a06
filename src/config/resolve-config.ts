/**
 * Merges configuration layers over the schema's defaults and validates the result.
 *
 * Layers are applied in order (later wins), each entry checked against the schema as it is
 * applied, so an error names the exact key, the source that set it and the rule it broke.
 * Every problem is collected and reported at once; nothing is half-applied.
 */
import { RvError } from '../errors.js';
import { describeSource, type ConfigEntry, type ConfigSource } from './config-entry.js';
import { isLoopbackHost } from './loopback.js';
import { CONFIG_SCHEMA, fieldAt, type ConfigSection, type FieldSpec, type RuVectorConfig } from './schema.js';

/** One validation failure. */
export interface ConfigProblem {
  /** `section.key` (or what the source wrote, when it is not a key). */
  key: string;
  /** Where the value came from: `env RUVECTOR__SERVICE__PORT`, `file ruvector.toml`, `flag --port`. */
  source: string;
  /** The rule broken: `must be an integer from 0 to 65535, got "abc"`. */
  rule: string;
}

type Parsed = { ok: true; value: unknown } | { ok: false; rule: string };

function shown(value: unknown, field: FieldSpec | undefined): string {
  if (field?.type === 'string' && field.secret === true) {
    return typeof value === 'string' ? `a hidden value of ${value.length} characters` : `a ${typeof value}`;
  }
  return JSON.stringify(value) ?? String(value);
}

function ruleOf(field: FieldSpec): string {
  switch (field.type) {
    case 'string': return field.minLength > 1 ? `must be a string of at least ${field.minLength} characters` : 'must be a non-empty string';
    case 'integer': return `must be an integer from ${field.min} to ${field.max}`;
    case 'number': return `must be a number from ${field.min} to ${field.max}`;
    case 'boolean': return 'must be true or false';
    case 'enum': return `must be one of ${field.values.map((v) => `"${v}"`).join(', ')}`;
  }
}

/** Env and flag values arrive as strings: convert them to the field's type first. */
function fromString(text: string, field: FieldSpec): unknown {
  const trimmed = text.trim();
  switch (field.type) {
    case 'integer': return /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : text;
    case 'number': return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      return text;
    }
    default: return text;
  }
}

function parseValue(entry: ConfigEntry, field: FieldSpec): Parsed {
  const raw = entry.source.kind === 'env' || entry.source.kind === 'flag';
  const value = raw && typeof entry.value === 'string' ? fromString(entry.value, field) : entry.value;
  const fail = (): Parsed => ({ ok: false, rule: `${ruleOf(field)}, got ${shown(entry.value, field)}` });
  switch (field.type) {
    case 'string':
      return typeof value === 'string' && value.length >= field.minLength ? { ok: true, value } : fail();
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= field.min && value <= field.max ? { ok: true, value } : fail();
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= field.min && value <= field.max ? { ok: true, value } : fail();
    case 'boolean':
      return typeof value === 'boolean' ? { ok: true, value } : fail();
    case 'enum':
      return typeof value === 'string' && field.values.includes(value) ? { ok: true, value } : fail();
  }
}

function unknownKeyRule(path: string): string {
  const [section, ...rest] = path.split('.');
  const sections = Object.keys(CONFIG_SCHEMA);
  if (rest.length === 0) return `unknown top-level key; every key belongs to a section: ${sections.map((s) => `[${s}]`).join(', ')}`;
  if (!sections.includes(section)) return `unknown section "${section}"; sections are ${sections.join(', ')}`;
  const keys = Object.keys(CONFIG_SCHEMA[section as ConfigSection]);
  return `unknown key; keys of [${section}] are ${keys.join(', ')}`;
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) if (typeof inner === 'object' && inner !== null) deepFreeze(inner);
  return Object.freeze(value);
}

/**
 * The validated, frozen configuration from `layers` applied in order over the defaults.
 * @throws RvError RV_CONFIG_INVALID listing every problem (key, source, rule); `details.problems` holds them.
 * @example
 *   resolveConfig([entriesFromEnv({ RUVECTOR__SERVICE__PORT: '7000' })]).service.port // 7000
 */
export function resolveConfig(layers: readonly (readonly ConfigEntry[])[]): RuVectorConfig {
  const values: Record<string, Record<string, unknown>> = {};
  const sources = new Map<string, ConfigSource>();
  for (const [section, fields] of Object.entries(CONFIG_SCHEMA)) {
    values[section] = {};
    for (const [key, field] of Object.entries(fields as Record<string, FieldSpec>)) {
      if (field.default !== undefined) values[section][key] = field.default;
      sources.set(`${section}.${key}`, { kind: 'default', name: 'default' });
    }
  }

  const problems: ConfigProblem[] = [];
  for (const layer of layers) {
    for (const entry of layer) {
      const [section, key, ...extra] = entry.path.split('.');
      const field = extra.length === 0 && key !== undefined ? fieldAt(section, key) : undefined;
      if (field === undefined) {
        problems.push({ key: entry.path, source: describeSource(entry.source), rule: unknownKeyRule(entry.path) });
        continue;
      }
      // An empty env variable or flag unsets an optional key (a compose file's `API_KEY=`).
      if ((entry.source.kind === 'env' || entry.source.kind === 'flag') && entry.value === '' && field.default === undefined) {
        delete values[section][key];
        sources.set(entry.path, entry.source);
        continue;
      }
      const parsed = parseValue(entry, field);
      if (!parsed.ok) {
        problems.push({ key: entry.path, source: describeSource(entry.source), rule: parsed.rule });
        continue;
      }
      values[section][key] = parsed.value;
      sources.set(entry.path, entry.source);
    }
  }

  const config = values as unknown as RuVectorConfig;
  if (problems.length === 0) problems.push(...crossFieldProblems(config, (path) => describeSource(sources.get(path) ?? { kind: 'default', name: 'default' })));
  if (problems.length > 0) {
    const lines = problems.map((p) => `  ${p.key} (${p.source}): ${p.rule}`);
    throw new RvError('RV_CONFIG_INVALID', `invalid configuration:\n${lines.join('\n')}`, { details: { problems } });
  }
  return deepFreeze(config);
}

/** Rules that relate two keys; checked only when every key is valid on its own. */
function crossFieldProblems(config: RuVectorConfig, sourceOf: (path: string) => string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { service } = config;
  if (service.auth_disabled && !isLoopbackHost(service.host)) {
    problems.push({
      key: 'service.auth_disabled',
      source: sourceOf('service.auth_disabled'),
      rule: `authentication may be disabled only on a loopback host (127.0.0.1, ::1, localhost), but service.host is ${JSON.stringify(service.host)} (${sourceOf('service.host')}); configure service.api_key instead`,
    });
  }
  if (service.api_key !== undefined && service.api_key === service.read_only_api_key) {
    problems.push({
      key: 'service.read_only_api_key',
      source: sourceOf('service.read_only_api_key'),
      rule: `must differ from service.api_key (${sourceOf('service.api_key')}), or the read-only key would grant writes`,
    });
  }
  return problems;
}
