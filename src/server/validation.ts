/**
 * Request validation with two Ajv instances: bodies are checked strictly (no type coercion,
 * no defaults, unknown fields rejected), while the query string and path parameters, which
 * are always text, are coerced (`?wait=true` → true). Fastify's single default instance
 * coerces everything, which would accept `"limit": "5"` where Qdrant rejects it.
 *
 * Failures become Qdrant-style messages naming the field:
 * `Validation error in JSON body: [points[0].id: must be integer or string]`.
 */
import AjvModule, { type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';
import type { JsonSchema } from './schemas/json-schema.js';

// ajv is CommonJS; under NodeNext its class is the default export's default.
const Ajv = AjvModule.default;

const COMMON_OPTIONS: Options = {
  allErrors: false,
  // `verbose` keeps the failing value and schema on each error, for messages like Qdrant's.
  verbose: true,
  strict: true,
  strictTypes: false,
  allowUnionTypes: true,
  removeAdditional: false,
};

interface Compilers {
  /** Bodies: no coercion, no defaults. */
  strict: InstanceType<typeof Ajv>;
  /** Query strings and path parameters: text coerced to the schema's types. */
  coercing: InstanceType<typeof Ajv>;
}

// One pair per process: Ajv caches compiled validators by schema object, and the route
// schemas are module constants, so a second server (tests build dozens) compiles nothing.
let shared: Compilers | undefined;

function compilers(sharedSchemas: readonly JsonSchema[]): Compilers {
  shared ??= {
    strict: new Ajv({ ...COMMON_OPTIONS, coerceTypes: false, useDefaults: false }),
    coercing: new Ajv({ ...COMMON_OPTIONS, coerceTypes: true, useDefaults: true }),
  };
  for (const schema of sharedSchemas) {
    const id = schema.$id as string;
    for (const ajv of [shared.strict, shared.coercing]) if (ajv.getSchema(id) === undefined) ajv.addSchema(schema);
  }
  return shared;
}

/** A validator compiler for `app.setValidatorCompiler`, knowing the shared schemas (`$ref: 'Name#'`). */
export function createValidatorCompiler(sharedSchemas: readonly JsonSchema[]): FastifySchemaCompiler<JsonSchema> {
  const { strict, coercing } = compilers(sharedSchemas);
  return ({ schema, httpPart }) => {
    const validate: ValidateFunction = (httpPart === 'body' ? strict : coercing).compile(schema);
    return validate;
  };
}

const PART_LABELS: Record<string, string> = {
  body: 'JSON body',
  querystring: 'query parameters',
  params: 'path parameters',
  headers: 'headers',
};

/** The message of a failed validation: `Validation error in JSON body: [field: reason]`. */
export function formatValidationErrors(errors: readonly ErrorObject[], part: string): string {
  const label = PART_LABELS[part] ?? part;
  const best = pickError(errors);
  if (best === undefined) return `Validation error in ${label}: [invalid]`;
  return `Validation error in ${label}: [${describe(best, errors)}]`;
}

/** `/points/0/id` → `points[0].id`. */
export function fieldPath(instancePath: string, child?: string): string {
  const segments = instancePath === '' ? [] : instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) segments.push(child);
  let out = '';
  for (const segment of segments) out += /^\d+$/.test(segment) ? `[${segment}]` : out === '' ? segment : `.${segment}`;
  return out;
}

function depth(error: ErrorObject): number {
  return error.instancePath === '' ? 0 : error.instancePath.split('/').length - 1;
}

/** Weak signals: a branch that failed on `type` or `required` did not match at all. */
function weakness(error: ErrorObject): number {
  if (error.keyword === 'anyOf' || error.keyword === 'oneOf') return 3;
  if (error.keyword === 'type') return 2;
  if (error.keyword === 'required') return 1;
  return 0;
}

/**
 * With `anyOf`, Ajv reports one error per failed branch. The useful one is from the branch
 * that got furthest: the deepest path, then a specific keyword over a type mismatch.
 */
function pickError(errors: readonly ErrorObject[]): ErrorObject | undefined {
  let best: ErrorObject | undefined;
  for (const error of errors) {
    if (best === undefined) {
      best = error;
      continue;
    }
    const d = depth(error) - depth(best);
    if (d > 0 || (d === 0 && weakness(error) < weakness(best))) best = error;
  }
  return best;
}

function describe(error: ErrorObject, all: readonly ErrorObject[]): string {
  const path = fieldPath(error.instancePath);
  const at = (text: string, where = path): string => (where === '' ? text : `${where}: ${text}`);
  const params = error.params as Record<string, unknown>;
  const parent = error.parentSchema as { properties?: Record<string, unknown>; description?: string } | undefined;
  switch (error.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys(parent?.properties ?? {});
      return at(`unknown field "${String(params.additionalProperty)}"${allowed.length > 0 ? `, expected one of ${allowed.join(', ')}` : ''}`);
    }
    case 'required':
      return alternativesAt(error, all) ?? at(`missing field "${String(params.missingProperty)}"`);
    case 'type': {
      const alternatives = alternativesAt(error, all);
      if (alternatives !== undefined) return alternatives;
      return at(`must be ${String(params.type).replace(/,/g, ' or ')}, got ${jsonType(error.data)}`);
    }
    case 'enum':
      return at(`must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${preview(error.data)}`);
    case 'minimum':
    case 'exclusiveMinimum':
      return at(`value ${preview(error.data)} invalid, must be ${String(params.limit)} or larger`);
    case 'maximum':
    case 'exclusiveMaximum':
      return at(`value ${preview(error.data)} invalid, must be ${String(params.limit)} or smaller`);
    case 'minProperties':
    case 'maxProperties': {
      const keys = Object.keys(parent?.properties ?? {});
      return at(keys.length > 0 ? `must have exactly one of ${keys.join(', ')}` : error.message ?? 'invalid');
    }
    case 'anyOf':
    case 'oneOf':
      return at(`does not match any accepted form${parent?.description === undefined ? '' : `: ${parent.description}`}`);
    default:
      return at(error.message ?? 'invalid');
  }
}

/**
 * When a value failed every branch of an `anyOf` on its type or discriminating key, no
 * single branch's complaint is right: say what the accepted forms are instead.
 */
function alternativesAt(error: ErrorObject, all: readonly ErrorObject[]): string | undefined {
  // Nested anyOfs at one path report inner first: the last one is the field's own schema.
  const anyOf = all.findLast((other) => (other.keyword === 'anyOf' || other.keyword === 'oneOf') && other.instancePath === error.instancePath);
  if (anyOf === undefined) return undefined;
  const description = (anyOf.parentSchema as { description?: string } | undefined)?.description;
  const path = fieldPath(error.instancePath);
  const types = new Set<string>();
  for (const other of all) {
    if (other.keyword === 'type' && other.instancePath === error.instancePath) for (const t of String((other.params as { type: unknown }).type).split(',')) types.add(t);
  }
  const accepted = description ?? `must be ${[...types].join(' or ')}`;
  return `${path === '' ? '' : `${path}: `}does not match any accepted form: ${accepted}; got ${jsonType(error.data)}`;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return !Number.isFinite(value) ? `${value} (numbers must be finite)` : Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}
