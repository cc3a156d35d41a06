/**
 * Validation and parsing of Qdrant's REST `Filter` (components.schemas.Filter in the
 * OpenAPI document) into the tree of filter-types.ts.
 *
 * Stricter than Qdrant where Qdrant is silently lenient, because a typo in a filter must
 * not quietly match everything: unknown keys are errors everywhere, and a field condition
 * carries exactly one test (Qdrant ORs several tests in one condition, which nobody means).
 * As Qdrant: `must`/`should`/`must_not` take one condition or an array, and `null` means
 * absent. Every error names the JSON path of the offending part and what was expected.
 */
import { RvError } from '../../errors.js';
import type { PointId } from '../types.js';
import { parseDatetime } from './datetime.js';
import {
  DEFAULT_FILTER_MAX_CONDITIONS,
  DEFAULT_FILTER_MAX_DEPTH,
  type Condition,
  type FieldTest,
  type Filter,
  type GeoPoint,
  type MinShould,
  type ParseFilterOptions,
  type PayloadPath,
  type RangeBounds,
} from './filter-types.js';
import { arrayKeyOf, parsePayloadPath } from './payload-path.js';
import { normalizeUuid } from './point-id.js';

const FILTER_KEYS = ['must', 'should', 'must_not', 'min_should'] as const;
const FIELD_TESTS = ['match', 'range', 'geo_bounding_box', 'geo_radius', 'geo_polygon', 'values_count', 'is_empty', 'is_null'] as const;
const MATCH_KINDS = ['value', 'text', 'text_any', 'phrase', 'prefix', 'any', 'except'] as const;
const BOUND_KEYS = ['gt', 'gte', 'lt', 'lte'] as const;
const CONDITION_FORMS =
  'a field condition {key, match|range|geo_radius|geo_bounding_box|geo_polygon|values_count|is_empty|is_null}, ' +
  '{is_empty: {key}}, {is_null: {key}}, {has_id: [...]}, {has_vector: name}, {nested: {key, filter}}, ' +
  '{slice: {index, total}} or a filter {must, should, must_not, min_should}';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short name of a JSON value's type for messages: `got string`, `got array`. */
function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function list(names: readonly string[]): string {
  return names.join(', ');
}

interface Context {
  readonly maxDepth: number;
  readonly maxConditions: number;
  conditions: number;
}

function fail(path: string, message: string, details: Record<string, unknown> = {}): never {
  throw new RvError('RV_FILTER_INVALID', `${path}: ${message}`, { details: { path, ...details } });
}

/** Rejects keys outside `allowed` (null-valued keys included: they are still typos). */
function checkKeys(object: JsonObject, allowed: readonly string[], path: string, what: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) fail(path, `unknown key "${key}" in ${what} (expected ${list(allowed)})`, { key });
  }
}

/** The value of `key`, with `null` read as absent. */
function optional(object: JsonObject, key: string): unknown {
  const value = object[key];
  return value === null ? undefined : value;
}

function required(object: JsonObject, key: string, path: string): unknown {
  const value = optional(object, key);
  if (value === undefined) fail(path, `"${key}" is required`);
  return value;
}

function expectObject(value: unknown, path: string, what: string): JsonObject {
  if (!isObject(value)) fail(path, `expected ${what}, got ${typeName(value)}`);
  return value;
}

function expectString(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, `expected a string, got ${typeName(value)}`);
  return value;
}

function expectBoolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(path, `expected a boolean, got ${typeName(value)}`);
  return value;
}

function expectFinite(value: unknown, path: string): number {
  if (typeof value !== 'number') fail(path, `expected a number, got ${typeName(value)}`);
  if (!Number.isFinite(value)) fail(path, `expected a finite number, got ${value}`);
  return value;
}

function parseKey(value: unknown, path: string): PayloadPath {
  const text = expectString(value, path);
  const parsed = parsePayloadPath(text);
  if (!parsed.ok) fail(path, `"${text}" is not a valid payload key: ${parsed.reason}`, { key: text });
  return parsed.path;
}

/**
 * Parses and validates a Qdrant filter.
 * @throws RvError `RV_FILTER_INVALID` naming the JSON path and the expectation, e.g.
 *   `filter.must[2].range: "gte" must be a number, got boolean`.
 * @example
 *   const filter = parseFilter({ must: [{ key: 'city', match: { value: 'London' } }] });
 *   matchesFilter(filter, { id: 1, payload: { city: ['Berlin', 'London'] } }); // true
 */
export function parseFilter(input: unknown, options: ParseFilterOptions = {}): Filter {
  const context: Context = {
    maxDepth: options.maxDepth ?? DEFAULT_FILTER_MAX_DEPTH,
    maxConditions: options.maxConditions ?? DEFAULT_FILTER_MAX_CONDITIONS,
    conditions: 0,
  };
  if (input === null || input === undefined) return {};
  return parseFilterObject(input, 'filter', 1, false, context);
}

function parseFilterObject(input: unknown, path: string, depth: number, inNested: boolean, context: Context): Filter {
  // Checked before descending, so a hostile, deeply nested body cannot exhaust the stack.
  if (depth > context.maxDepth) {
    throw new RvError('RV_FILTER_INVALID', `filter nesting depth ${depth} exceeds the limit of ${context.maxDepth}`, {
      details: { path, depth, limit: context.maxDepth },
    });
  }
  const object = expectObject(input, path, 'a filter object {must, should, must_not, min_should}');
  checkKeys(object, FILTER_KEYS, path, 'a filter');
  const filter: { must?: Condition[]; should?: Condition[]; mustNot?: Condition[]; minShould?: MinShould } = {};
  const must = parseClause(object, 'must', path, depth, inNested, context);
  if (must !== undefined) filter.must = must;
  const should = parseClause(object, 'should', path, depth, inNested, context);
  if (should !== undefined) filter.should = should;
  const mustNot = parseClause(object, 'must_not', path, depth, inNested, context);
  if (mustNot !== undefined) filter.mustNot = mustNot;
  const minShould = optional(object, 'min_should');
  if (minShould !== undefined) filter.minShould = parseMinShould(minShould, `${path}.min_should`, depth, inNested, context);
  return filter;
}

function parseClause(object: JsonObject, name: string, path: string, depth: number, inNested: boolean, context: Context): Condition[] | undefined {
  const value = optional(object, name);
  if (value === undefined) return undefined;
  const clausePath = `${path}.${name}`;
  if (Array.isArray(value)) return value.map((item, i) => parseCondition(item, `${clausePath}[${i}]`, depth, inNested, context));
  if (isObject(value)) return [parseCondition(value, clausePath, depth, inNested, context)];
  return fail(clausePath, `expected a condition or an array of conditions, got ${typeName(value)}`);
}

function parseMinShould(value: unknown, path: string, depth: number, inNested: boolean, context: Context): MinShould {
  const object = expectObject(value, path, 'an object {conditions, min_count}');
  checkKeys(object, ['conditions', 'min_count'], path, 'min_should');
  const conditions = required(object, 'conditions', path);
  if (!Array.isArray(conditions)) fail(`${path}.conditions`, `expected an array of conditions, got ${typeName(conditions)}`);
  const minCount = required(object, 'min_count', path);
  if (typeof minCount !== 'number' || !Number.isSafeInteger(minCount) || minCount < 1) {
    fail(`${path}.min_count`, `expected an integer of at least 1, got ${typeof minCount === 'number' ? minCount : typeName(minCount)}`);
  }
  return {
    conditions: conditions.map((item, i) => parseCondition(item, `${path}.conditions[${i}]`, depth, inNested, context)),
    minCount,
  };
}

function parseCondition(value: unknown, path: string, depth: number, inNested: boolean, context: Context): Condition {
  context.conditions++;
  if (context.conditions > context.maxConditions) {
    throw new RvError('RV_FILTER_INVALID', `filter has more than ${context.maxConditions} conditions, the limit`, {
      details: { path, limit: context.maxConditions },
    });
  }
  const object = expectObject(value, path, `a condition (${CONDITION_FORMS})`);
  // Qdrant's Condition is an untagged union; the keys present say which form this is.
  if ('key' in object) return parseFieldCondition(object, path);
  // Without `key`, is_empty / is_null are the standalone conditions {is_empty: {key}}.
  if ('is_empty' in object) return { kind: 'is_empty', key: parsePayloadField(object, 'is_empty', path) };
  if ('is_null' in object) return { kind: 'is_null', key: parsePayloadField(object, 'is_null', path) };
  if ('has_id' in object) {
    rejectInNested(inNested, path, 'has_id');
    checkKeys(object, ['has_id'], path, 'a has_id condition');
    return { kind: 'has_id', ids: parseIds(object.has_id, `${path}.has_id`) };
  }
  if ('has_vector' in object) {
    rejectInNested(inNested, path, 'has_vector');
    checkKeys(object, ['has_vector'], path, 'a has_vector condition');
    return { kind: 'has_vector', vector: expectString(object.has_vector, `${path}.has_vector`) };
  }
  if ('nested' in object) {
    checkKeys(object, ['nested'], path, 'a nested condition');
    const nestedPath = `${path}.nested`;
    const nested = expectObject(object.nested, nestedPath, 'an object {key, filter}');
    checkKeys(nested, ['key', 'filter'], nestedPath, 'nested');
    const key = parseKey(required(nested, 'key', nestedPath), `${nestedPath}.key`);
    const filter = parseFilterObject(required(nested, 'filter', nestedPath), `${nestedPath}.filter`, depth + 1, true, context);
    return { kind: 'nested', key, arrayKey: arrayKeyOf(key), filter };
  }
  if ('slice' in object) {
    rejectInNested(inNested, path, 'slice');
    checkKeys(object, ['slice'], path, 'a slice condition');
    return parseSlice(object.slice, `${path}.slice`);
  }
  const keys = Object.keys(object);
  if (keys.every((key) => (FILTER_KEYS as readonly string[]).includes(key))) {
    return { kind: 'filter', filter: parseFilterObject(object, path, depth + 1, inNested, context) };
  }
  return fail(path, `unrecognised condition with keys ${keys.map((k) => `"${k}"`).join(', ')} (expected ${CONDITION_FORMS})`);
}

/** Ids and vectors belong to points, not to the array elements a nested filter looks at. */
function rejectInNested(inNested: boolean, path: string, what: string): void {
  if (inNested) fail(path, `${what} cannot be used inside a nested filter (it applies to points, not to array elements)`);
}

function parsePayloadField(object: JsonObject, name: 'is_empty' | 'is_null', path: string): PayloadPath {
  checkKeys(object, [name], path, `an ${name} condition`);
  const fieldPath = `${path}.${name}`;
  const field = expectObject(object[name], fieldPath, 'an object {key}');
  checkKeys(field, ['key'], fieldPath, `${name}`);
  return parseKey(required(field, 'key', fieldPath), `${fieldPath}.key`);
}

function parseIds(value: unknown, path: string): PointId[] {
  if (!Array.isArray(value)) fail(path, `expected an array of point ids, got ${typeName(value)}`);
  const seen = new Set<PointId>();
  value.forEach((id, i) => {
    if (typeof id === 'number') {
      if (!Number.isSafeInteger(id) || id < 0) fail(`${path}[${i}]`, `a point id must be an unsigned integer up to 2^53-1 or a UUID, got ${id}`);
      seen.add(id);
    } else if (typeof id === 'string') {
      const uuid = normalizeUuid(id);
      if (uuid === undefined) fail(`${path}[${i}]`, `a point id must be an unsigned integer or a UUID, got "${id}"`);
      seen.add(uuid);
    } else {
      fail(`${path}[${i}]`, `a point id must be an unsigned integer or a UUID string, got ${typeName(id)}`);
    }
  });
  return [...seen];
}

function parseSlice(value: unknown, path: string): Condition {
  const object = expectObject(value, path, 'an object {index, total}');
  checkKeys(object, ['index', 'total'], path, 'slice');
  const total = required(object, 'total', path);
  if (typeof total !== 'number' || !Number.isInteger(total) || total < 1 || total > 0xffffffff) {
    fail(`${path}.total`, `expected an integer from 1 to 4294967295, got ${typeof total === 'number' ? total : typeName(total)}`);
  }
  const index = required(object, 'index', path);
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= total) {
    fail(`${path}.index`, `expected an integer from 0 to ${total - 1} (below total), got ${typeof index === 'number' ? index : typeName(index)}`);
  }
  return { kind: 'slice', index, total };
}

function parseFieldCondition(object: JsonObject, path: string): Condition {
  checkKeys(object, ['key', ...FIELD_TESTS], path, 'a field condition');
  const key = parseKey(required(object, 'key', path), `${path}.key`);
  const present = FIELD_TESTS.filter((name) => optional(object, name) !== undefined);
  if (present.length === 0) fail(path, `field condition on "${key.text}" needs one of ${list(FIELD_TESTS)}`);
  if (present.length > 1) {
    fail(path, `field condition on "${key.text}" has ${present.join(' and ')}; use one test per condition and combine them with must/should`);
  }
  const name = present[0];
  const testPath = `${path}.${name}`;
  const value = object[name];
  let test: FieldTest;
  switch (name) {
    case 'match':
      test = parseMatch(value, testPath);
      break;
    case 'range':
      test = parseRange(value, testPath);
      break;
    case 'geo_radius': {
      const radius = expectObject(value, testPath, 'an object {center, radius}');
      checkKeys(radius, ['center', 'radius'], testPath, 'geo_radius');
      const meters = expectFinite(required(radius, 'radius', testPath), `${testPath}.radius`);
      if (meters < 0) fail(`${testPath}.radius`, `the radius in meters must not be negative, got ${meters}`);
      test = { type: 'geo_radius', center: parseGeoPoint(required(radius, 'center', testPath), `${testPath}.center`), radius: meters };
      break;
    }
    case 'geo_bounding_box': {
      const box = expectObject(value, testPath, 'an object {top_left, bottom_right}');
      checkKeys(box, ['top_left', 'bottom_right'], testPath, 'geo_bounding_box');
      test = {
        type: 'geo_bounding_box',
        topLeft: parseGeoPoint(required(box, 'top_left', testPath), `${testPath}.top_left`),
        bottomRight: parseGeoPoint(required(box, 'bottom_right', testPath), `${testPath}.bottom_right`),
      };
      break;
    }
    case 'geo_polygon': {
      const polygon = expectObject(value, testPath, 'an object {exterior, interiors}');
      checkKeys(polygon, ['exterior', 'interiors'], testPath, 'geo_polygon');
      const exterior = parseLineString(required(polygon, 'exterior', testPath), `${testPath}.exterior`);
      const interiors = optional(polygon, 'interiors');
      if (interiors !== undefined && !Array.isArray(interiors)) fail(`${testPath}.interiors`, `expected an array of line strings, got ${typeName(interiors)}`);
      test = {
        type: 'geo_polygon',
        exterior,
        interiors: (interiors ?? []).map((ring, i) => parseLineString(ring, `${testPath}.interiors[${i}]`)),
      };
      break;
    }
    case 'values_count':
      test = { type: 'values_count', count: parseBounds(value, testPath, 'values_count', true) };
      break;
    case 'is_empty':
      test = { type: 'is_empty', value: expectBoolean(value, testPath) };
      break;
    case 'is_null':
      test = { type: 'is_null', value: expectBoolean(value, testPath) };
      break;
  }
  return { kind: 'field', key, test };
}

function parseMatch(value: unknown, path: string): FieldTest {
  const match = expectObject(value, path, `an object with one of ${list(MATCH_KINDS)}`);
  checkKeys(match, MATCH_KINDS, path, 'match');
  const present = MATCH_KINDS.filter((name) => optional(match, name) !== undefined);
  if (present.length !== 1) {
    fail(path, present.length === 0 ? `expected one of ${list(MATCH_KINDS)}` : `expected one of ${list(MATCH_KINDS)}, got ${present.join(' and ')}`);
  }
  const kind = present[0];
  const item = match[kind];
  const itemPath = `${path}.${kind}`;
  switch (kind) {
    case 'value': {
      const ok = typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isInteger(item));
      if (!ok) {
        fail(itemPath, `expected a string, an integer or a boolean, got ${typeof item === 'number' ? item : typeName(item)}`);
      }
      return { type: 'match_value', value: item };
    }
    case 'text':
      return { type: 'match_text', text: expectString(item, itemPath) };
    case 'text_any':
      return { type: 'match_text_any', text: expectString(item, itemPath) };
    case 'phrase':
      return { type: 'match_phrase', phrase: expectString(item, itemPath) };
    case 'prefix':
      return { type: 'match_prefix', prefix: expectString(item, itemPath) };
    case 'any':
      return { type: 'match_any', any: parseAnyVariants(item, itemPath) };
    case 'except':
      return { type: 'match_except', except: parseAnyVariants(item, itemPath) };
  }
}

/** Qdrant's AnyVariants: all strings or all integers (duplicates dropped, as its IndexSet). */
function parseAnyVariants(value: unknown, path: string): string[] | number[] {
  if (!Array.isArray(value)) fail(path, `expected an array of strings or an array of integers, got ${typeName(value)}`);
  if (value.every((item) => typeof item === 'string')) return [...new Set(value as string[])];
  if (value.every((item) => typeof item === 'number' && Number.isInteger(item))) return [...new Set(value as number[])];
  const isInteger = (item: unknown): boolean => typeof item === 'number' && Number.isInteger(item);
  const bad = typeof value[0] === 'string' ? value.findIndex((item) => typeof item !== 'string') : value.findIndex((item) => !isInteger(item));
  const item: unknown = value[bad];
  const expected = typeof value[0] === 'string' ? 'a string like the first item' : 'an integer';
  return fail(`${path}[${bad}]`, `expected ${expected} (all strings or all integers), got ${typeof item === 'number' ? item : typeName(item)}`);
}

/**
 * `range` is Qdrant's RangeInterface: a numeric `Range` when the bounds are numbers, a
 * `DatetimeRange` when they are date-time strings. Mixing the two is an error.
 */
function parseRange(value: unknown, path: string): FieldTest {
  const object = expectObject(value, path, 'an object {gt, gte, lt, lte}');
  checkKeys(object, BOUND_KEYS, path, 'range');
  const given = BOUND_KEYS.filter((bound) => optional(object, bound) !== undefined);
  const isDatetime = given.length > 0 && given.every((bound) => typeof object[bound] === 'string');
  if (!isDatetime) return { type: 'range', range: parseBounds(object, path, 'range', false) };
  const range: Record<string, number> = {};
  for (const bound of given) {
    const text = object[bound] as string;
    const instant = parseDatetime(text);
    if (instant === undefined) fail(path, `"${bound}" is not an RFC 3339 date-time: "${text}"`, { bound });
    range[bound] = instant;
  }
  return { type: 'datetime_range', range };
}

function parseBounds(value: unknown, path: string, what: string, counts: boolean): RangeBounds {
  const object = expectObject(value, path, 'an object {gt, gte, lt, lte}');
  checkKeys(object, BOUND_KEYS, path, what);
  const bounds: Record<string, number> = {};
  for (const bound of BOUND_KEYS) {
    const item = optional(object, bound);
    if (item === undefined) continue;
    if (counts) {
      if (typeof item !== 'number' || !Number.isSafeInteger(item) || item < 0) {
        fail(path, `"${bound}" must be a non-negative integer, got ${typeof item === 'number' ? item : typeName(item)}`, { bound });
      }
    } else if (typeof item !== 'number') {
      const hint = typeof item === 'string' ? ' (date-time bounds need every bound to be a date-time string)' : '';
      fail(path, `"${bound}" must be a number, got ${typeName(item)}${hint}`, { bound });
    } else if (!Number.isFinite(item)) {
      fail(path, `"${bound}" must be a finite number, got ${item}`, { bound });
    }
    bounds[bound] = item;
  }
  return bounds;
}

function parseGeoPoint(value: unknown, path: string): GeoPoint {
  const object = expectObject(value, path, 'a geo point {lon, lat}');
  checkKeys(object, ['lon', 'lat'], path, 'a geo point');
  const lon = expectFinite(required(object, 'lon', path), `${path}.lon`);
  const lat = expectFinite(required(object, 'lat', path), `${path}.lat`);
  if (lon < -180 || lon > 180) fail(`${path}.lon`, `longitude must be between -180 and 180, got ${lon}`);
  if (lat < -90 || lat > 90) fail(`${path}.lat`, `latitude must be between -90 and 90, got ${lat}`);
  return { lon, lat };
}

function parseLineString(value: unknown, path: string): GeoPoint[] {
  const object = expectObject(value, path, 'a line string {points: [...]}');
  checkKeys(object, ['points'], path, 'a line string');
  const points = required(object, 'points', path);
  if (!Array.isArray(points)) fail(`${path}.points`, `expected an array of geo points, got ${typeName(points)}`);
  const ring = points.map((point, i) => parseGeoPoint(point, `${path}.points[${i}]`));
  if (ring.length < 4) fail(`${path}.points`, `a polygon ring needs at least 4 points, got ${ring.length}`);
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (Math.abs(first.lat - last.lat) > Number.EPSILON || Math.abs(first.lon - last.lon) > Number.EPSILON) {
    fail(`${path}.points`, 'a polygon ring must be closed: the first and the last points must be the same');
  }
  return ring;
}
