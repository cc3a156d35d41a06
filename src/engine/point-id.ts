/**
 * Point ids as Qdrant has them: an unsigned integer or a UUID. Integers are limited to
 * 2^53 - 1 here (JavaScript numbers are exact only up to that; larger ids are rejected
 * with a clear error instead of being silently rounded). UUIDs in any accepted text form
 * normalise to lowercase hyphenated.
 */
import { RvError } from '../errors.js';
import { normalizeUuid } from '../core/filter/point-id.js';
import type { PointId } from '../core/types.js';

/** Validates and normalises a user-supplied point id; `field` names it in errors. */
export function parsePointId(input: unknown, field: string): PointId {
  if (typeof input === 'number') {
    if (Number.isSafeInteger(input) && input >= 0) return input;
    throw new RvError('RV_POINT_ID', `${field}: ${input} is not an unsigned integer up to 2^53-1 (9007199254740991) nor a UUID`, { details: { field } });
  }
  if (typeof input === 'string') {
    const uuid = normalizeUuid(input);
    if (uuid !== undefined) return uuid;
    if (/^\d+$/.test(input)) {
      const n = Number(input);
      if (Number.isSafeInteger(n)) return n;
    }
    throw new RvError('RV_POINT_ID', `${field}: "${input.slice(0, 64)}" is not a UUID nor an unsigned integer up to 2^53-1`, { details: { field } });
  }
  throw new RvError('RV_POINT_ID', `${field}: a point id must be an unsigned integer or a UUID string, got ${input === null ? 'null' : typeof input}`, { details: { field } });
}

/** The storage key of a point id: decimal digits for integers, the UUID text otherwise (disjoint forms). */
export function pointKey(id: PointId): string {
  return typeof id === 'number' ? String(id) : id;
}

/** The point id of a storage key. */
export function pointIdFromKey(key: string): PointId {
  return key.includes('-') ? key : Number(key);
}

/** Qdrant's id order: integers ascending, then UUIDs in lexical order. */
export function comparePointIds(a: PointId, b: PointId): number {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
