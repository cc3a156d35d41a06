/**
 * Validation of user input at the engine's edge: vectors, payloads, selectors, search
 * parameters. Every error names the field and the limit; nothing is written before the
 * whole request has passed.
 */
import { RvError } from '../errors.js';
import { parseFilter, type Filter } from '../core/filter/index.js';
import type { Metric } from '../core/distance/metric.js';
import type { Payload, PointId } from '../core/types.js';
import type { EngineLimits } from './limits.js';
import type { PointSelector } from './operations.js';
import { parsePointId } from './point-id.js';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a vector (array of finite numbers, right dimension) and prepares it for the metric. */
export function parseVector(input: unknown, dim: number, metric: Metric, field: string, collection: string): Float32Array {
  let values: ArrayLike<unknown>;
  if (Array.isArray(input) || input instanceof Float32Array) values = input;
  else if (isObject(input) && Object.keys(input).length === 1 && '' in input) values = input[''] as ArrayLike<unknown>;
  else throw new RvError('RV_POINT_VECTOR', `${field}: a vector must be an array of numbers${isObject(input) ? ' (named vectors are not supported)' : ''}`, { details: { field } });
  if (values.length === 0) throw new RvError('RV_POINT_VECTOR', `${field}: the vector is empty, collection "${collection}" expects ${dim} dimensions`, { details: { field } });
  if (values.length !== dim) {
    throw new RvError('RV_POINT_DIMENSION', `Wrong input: Vector dimension error: expected dim: ${dim}, got ${values.length} (${field}, collection "${collection}")`, { details: { field, expected: dim, got: values.length } });
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RvError('RV_POINT_VECTOR', `${field}[${i}]: ${JSON.stringify(v) ?? String(v)} is not a finite number`, { details: { field: `${field}[${i}]` } });
    }
  }
  return metric.prepare(values as ArrayLike<number>);
}

export function parsePayload(input: unknown, field: string, limits: EngineLimits): Payload | null {
  if (input === undefined || input === null) return null;
  if (!isObject(input)) throw new RvError('RV_POINT_PAYLOAD', `${field}: a payload must be a JSON object`, { details: { field } });
  const size = JSON.stringify(input).length;
  if (size > limits.maxPayloadBytes) {
    throw new RvError('RV_LIMIT_EXCEEDED', `${field}: payload is ${size} bytes, over the limit of ${limits.maxPayloadBytes}`, { details: { field, limit: limits.maxPayloadBytes } });
  }
  return input;
}

export function parsePointIds(input: unknown, field: string, limits: EngineLimits): PointId[] {
  if (!Array.isArray(input)) throw new RvError('RV_INVALID_ARGUMENT', `${field} must be an array of point ids`, { details: { field } });
  if (input.length > limits.maxBatchPoints) {
    throw new RvError('RV_LIMIT_EXCEEDED', `${field} has ${input.length} ids, over the limit of ${limits.maxBatchPoints}`, { details: { field, limit: limits.maxBatchPoints } });
  }
  return input.map((id, i) => parsePointId(id, `${field}[${i}]`));
}

export function parseOptionalFilter(input: unknown, limits: EngineLimits): Filter | undefined {
  if (input === undefined || input === null) return undefined;
  return parseFilter(input, { maxDepth: limits.maxFilterDepth });
}

/** Qdrant's PointsSelector: `{points: [...]}` or `{filter: {...}}` (also the flat forms of its update bodies). */
export function parseSelector(input: Record<string, unknown>, limits: EngineLimits): PointSelector {
  const hasPoints = input.points !== undefined && input.points !== null;
  const hasFilter = input.filter !== undefined && input.filter !== null;
  if (hasPoints === hasFilter) throw new RvError('RV_INVALID_ARGUMENT', 'give exactly one of "points" (ids) or "filter"', { details: { field: 'points' } });
  if (hasPoints) return { points: parsePointIds(input.points, 'points', limits) };
  return { filter: parseFilter(input.filter, { maxDepth: limits.maxFilterDepth }) };
}

export function parseLimit(input: unknown, field: string, fallback: number, limits: EngineLimits): number {
  if (input === undefined || input === null) return fallback;
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 1 || input > limits.maxSearchLimit) {
    throw new RvError('RV_SEARCH_INVALID', `${field} must be an integer from 1 to ${limits.maxSearchLimit}, got ${JSON.stringify(input)}`, { details: { field, limit: limits.maxSearchLimit } });
  }
  return input;
}

export function parseNonNegativeInt(input: unknown, field: string, max: number): number | undefined {
  if (input === undefined || input === null) return undefined;
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 0 || input > max) {
    throw new RvError('RV_SEARCH_INVALID', `${field} must be an integer from 0 to ${max}, got ${JSON.stringify(input)}`, { details: { field } });
  }
  return input;
}

/** with_payload: true | false | ["a"] | {include: [...]} | {exclude: [...]} → a projection. */
export type PayloadSelector = boolean | { include: string[] } | { exclude: string[] };

export function parseWithPayload(input: unknown, fallback: boolean): PayloadSelector {
  if (input === undefined || input === null) return fallback;
  if (typeof input === 'boolean') return input;
  const strings = (v: unknown, field: string): string[] => {
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new RvError('RV_INVALID_ARGUMENT', `${field} must be an array of field names`, { details: { field } });
    return v as string[];
  };
  if (Array.isArray(input)) return { include: strings(input, 'with_payload') };
  if (isObject(input) && 'include' in input) return { include: strings(input.include, 'with_payload.include') };
  if (isObject(input) && 'exclude' in input) return { exclude: strings(input.exclude, 'with_payload.exclude') };
  throw new RvError('RV_INVALID_ARGUMENT', 'with_payload must be a boolean, a field list, {include: [...]} or {exclude: [...]}', { details: { field: 'with_payload' } });
}

export function parseWithVector(input: unknown, fallback: boolean): boolean {
  if (input === undefined || input === null) return fallback;
  if (typeof input === 'boolean') return input;
  if (Array.isArray(input)) return input.length > 0;
  throw new RvError('RV_INVALID_ARGUMENT', 'with_vector must be a boolean or a list of vector names', { details: { field: 'with_vector' } });
}

function topLevelKey(path: string): string {
  return path.split(/[.[]/)[0];
}

/** Applies a payload projection (top-level keys of dotted paths, as Qdrant). */
export function projectPayload(payload: Payload | null, selector: PayloadSelector): Payload | null | undefined {
  if (selector === false) return undefined;
  if (payload === null) return selector === true ? {} : {};
  if (selector === true) return payload;
  if ('include' in selector) {
    const out: Payload = {};
    for (const path of selector.include) {
      const key = topLevelKey(path);
      if (key in payload) out[key] = payload[key];
    }
    return out;
  }
  const out: Payload = { ...payload };
  for (const path of selector.exclude) delete out[topLevelKey(path)];
  return out;
}
