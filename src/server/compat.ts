/**
 * Qdrant request fields that RuVector accepts for compatibility but cannot honour (custom
 * shard keys, named vectors, cross-collection lookups, conditional upserts). Their schemas
 * accept them so a client that sends `null` keeps working; a real value is refused here
 * with a 400 naming the field, never silently ignored.
 */
import { RvError } from '../errors.js';
import type { WriteOptions } from '../engine/index.js';

const REASONS: Record<string, string> = {
  shard_key: 'custom sharding is not supported (one shard per collection)',
  lookup_from: 'lookups in another collection are not supported',
  update_filter: 'conditional updates are not supported',
  api_key: 'remote snapshot locations are not supported',
};

type Body = Record<string, unknown> | null | undefined;

/** Throws for any of `fields` present with a non-null value. */
export function rejectUnsupported(body: Body, fields: readonly string[], prefix = ''): void {
  if (body === null || body === undefined) return;
  for (const field of fields) {
    const value = body[field];
    if (value !== undefined && value !== null) {
      throw new RvError('RV_INVALID_ARGUMENT', `${prefix}${field}: ${REASONS[field] ?? 'not supported'}`, { details: { field: `${prefix}${field}` } });
    }
  }
}

/** `using` names the vector to search; collections have the one unnamed vector, "". */
export function checkUsing(value: unknown, field = 'using'): void {
  if (value === undefined || value === null || value === '') return;
  throw new RvError('RV_INVALID_ARGUMENT', `${field}: named vectors are not supported; collections have one unnamed vector (omit "using" or pass "")`, { details: { field } });
}

/** Qdrant's `update_mode`: only the default, upsert, is implemented. */
export function checkUpdateMode(value: unknown, field = 'update_mode'): void {
  if (value === undefined || value === null || value === 'upsert') return;
  throw new RvError('RV_INVALID_ARGUMENT', `${field}: only "upsert" is supported, got ${JSON.stringify(value)}`, { details: { field } });
}

/** The engine's write options from `?wait=` (default true, as Qdrant's clients send). */
export function writeOptionsOf(query: unknown): WriteOptions {
  const wait = (query as { wait?: unknown } | undefined)?.wait;
  return { wait: wait !== false };
}
