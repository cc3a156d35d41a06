/**
 * Ordering points by a payload value (Qdrant's `order_by`, in scroll and in the universal
 * query). Values are numbers, or datetimes as epoch microseconds; a point without a usable
 * value at the key is left out, as in Qdrant. For an array value the smallest element orders
 * an ascending sort and the largest a descending one. Ties go by point id.
 *
 * This reads every matching point through the collection's scroll (pages of the search
 * limit) and keeps only the best offset + limit, so memory stays bounded; it does not yet use
 * a range index to stop early.
 */
import { RvError } from '../../errors.js';
import { parseDatetime, parsePayloadPath, resolveFlatValues, type PayloadPath } from '../../core/filter/index.js';
import type { PointId } from '../../core/types.js';
import { comparePointIds, type PointRecord } from '../../engine/index.js';
import type { QueryTarget } from './query-target.js';

/** A parsed `order_by`. */
export interface OrderBy {
  key: string;
  path: PayloadPath;
  direction: 'asc' | 'desc';
  /** Inclusive bound: the first value to return. */
  startFrom?: number;
}

/** A point and the value it sorted by. */
export interface OrderedPoint {
  id: PointId;
  orderValue: number;
}

function invalid(message: string, field: string): RvError {
  return new RvError('RV_INVALID_ARGUMENT', `${field}: ${message}`, { details: { field } });
}

function numericValue(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') return parseDatetime(value);
  return undefined;
}

/** Parses `"key"` or `{key, direction, start_from}`. */
export function parseOrderBy(input: unknown, field: string): OrderBy {
  const spec = typeof input === 'string' ? { key: input } : (input as { key?: unknown; direction?: unknown; start_from?: unknown });
  if (typeof spec.key !== 'string') throw invalid('must be a payload key or {key, direction, start_from}', field);
  const parsed = parsePayloadPath(spec.key);
  if (!parsed.ok) throw invalid(`invalid key "${spec.key}": ${parsed.reason}`, `${field}.key`);
  const direction = spec.direction === undefined || spec.direction === null ? 'asc' : spec.direction;
  if (direction !== 'asc' && direction !== 'desc') throw invalid('direction must be "asc" or "desc"', `${field}.direction`);
  const order: OrderBy = { key: spec.key, path: parsed.path, direction };
  if (spec.start_from !== undefined && spec.start_from !== null) {
    const start = numericValue(spec.start_from);
    if (start === undefined) throw invalid('start_from must be a number or an RFC 3339 datetime', `${field}.start_from`);
    order.startFrom = start;
  }
  return order;
}

/** The value a payload sorts by, or undefined when it has none. */
export function orderValueOf(payload: Record<string, unknown> | null | undefined, order: OrderBy): number | undefined {
  if (payload === null || payload === undefined) return undefined;
  let best: number | undefined;
  for (const raw of resolveFlatValues(payload, order.path)) {
    const value = numericValue(raw);
    if (value === undefined) continue;
    if (order.startFrom !== undefined && (order.direction === 'asc' ? value < order.startFrom : value > order.startFrom)) continue;
    if (best === undefined || (order.direction === 'asc' ? value < best : value > best)) best = value;
  }
  return best;
}

function compare(order: OrderBy): (a: OrderedPoint, b: OrderedPoint) => number {
  const sign = order.direction === 'asc' ? 1 : -1;
  return (a, b) => (a.orderValue - b.orderValue) * sign || comparePointIds(a.id, b.id);
}

/**
 * The first `offset + limit` points matching `filter` (a raw Qdrant filter), in payload order.
 * @example orderedPoints(collection, { order: parseOrderBy('price', 'order_by'), limit: 10 })
 */
export async function orderedPoints(target: QueryTarget, options: { order: OrderBy; filter?: unknown; limit: number; offset?: number; pageSize: number }): Promise<OrderedPoint[]> {
  const keep = options.limit + (options.offset ?? 0);
  const byOrder = compare(options.order);
  // Fetch only the top-level field the key starts in (the projection splits on "." and "[",
  // so a quoted first key containing them needs the whole payload).
  const first = options.order.path.segments[0];
  const projection = first.kind === 'key' && !/[.[]/.test(first.name) ? { include: [first.name] } : true;
  let best: OrderedPoint[] = [];
  let cursor: PointId | null | undefined;
  do {
    const page = await target.scroll({
      filter: options.filter, limit: options.pageSize, with_payload: projection, with_vector: false,
      ...(cursor === undefined ? {} : { offset: cursor }),
    });
    for (const record of page.points) {
      const orderValue = orderValueOf(record.payload, options.order);
      if (orderValue !== undefined) best.push({ id: record.id, orderValue });
    }
    // Keep memory at O(keep): sort and cut whenever the buffer doubles.
    if (best.length > 2 * keep) best = best.sort(byOrder).slice(0, keep);
    cursor = page.next_page_offset;
  } while (cursor !== null);
  return best.sort(byOrder).slice(options.offset ?? 0, keep);
}

/**
 * Qdrant's ScrollRequest with `order_by` (the caller checked `order_by` is set): the page of
 * points ordered by the payload value, each with its `order_value`. Qdrant pages these with
 * `order_by.start_from`, never with an id offset.
 */
export async function orderedScroll(target: QueryTarget, body: Record<string, unknown>, maxLimit: number): Promise<{ points: (PointRecord & { order_value?: number })[]; next_page_offset: null }> {
  if (body.offset !== undefined && body.offset !== null) {
    throw new RvError('RV_INVALID_ARGUMENT', 'offset: cannot be combined with order_by; page with order_by.start_from instead', { details: { field: 'offset' } });
  }
  const limit = (body.limit as number | null | undefined) ?? 10;
  if (limit > maxLimit) {
    throw new RvError('RV_LIMIT_EXCEEDED', `limit must be an integer from 1 to ${maxLimit}, got ${limit}`, { details: { field: 'limit', limit: maxLimit } });
  }
  const ordered = await orderedPoints(target, { order: parseOrderBy(body.order_by, 'order_by'), filter: body.filter, limit, pageSize: maxLimit });
  const records = await target.retrieve({ ids: ordered.map((p) => p.id), with_payload: body.with_payload ?? true, with_vector: body.with_vector ?? false });
  const orderValues = new Map(ordered.map((p) => [String(p.id), p.orderValue]));
  return { points: records.map((record) => ({ ...record, order_value: orderValues.get(String(record.id)) })), next_page_offset: null };
}
