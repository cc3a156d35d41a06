/**
 * Ordered indexes for ranges: `integer`, `float` and `datetime`.
 *
 * `integer` and `float` both hold every finite number at the field, not only the ones of
 * their type: `range` matches any number (Qdrant's own integer index would miss 2.5 and
 * answer a range wrongly; a superset must not). `integer` also serves `match.value` /
 * `match.any` on integers as exact lookups. `datetime` holds strings that parse as
 * date-times, keyed by instant, and serves datetime ranges.
 */
import { parseDatetime, type FieldTest, type RangeBounds } from '../filter/index.js';
import type { InternalId } from '../types.js';
import type { CardinalityEstimate } from './cardinality.js';
import type { FieldIndex, IndexQuery } from './field-index.js';
import { OrderedPairs } from './ordered-pairs.js';
import type { PayloadFieldSchema } from './schema.js';
import { IdBitset, sortUnique } from './sorted-ids.js';

export class NumericIndex implements FieldIndex {
  private readonly pairs = new OrderedPairs();
  private readonly points = new IdBitset();
  /** Most distinct values any point has had: bounds how few points a range count can mean. */
  private maxValuesPerPoint = 1;

  constructor(readonly schema: PayloadFieldSchema) {}

  get pointCount(): number {
    return this.points.size;
  }

  private keysOf(values: readonly unknown[]): Set<number> {
    const keys = new Set<number>();
    const datetime = this.schema.type === 'datetime';
    for (const value of values) {
      if (datetime) {
        if (typeof value !== 'string') continue;
        const instant = parseDatetime(value);
        if (instant !== undefined) keys.add(instant);
      } else if (typeof value === 'number' && Number.isFinite(value)) {
        keys.add(value);
      }
    }
    return keys;
  }

  add(id: InternalId, values: readonly unknown[]): void {
    const keys = this.keysOf(values);
    for (const key of keys) this.pairs.insert(key, id);
    if (keys.size > 0) this.points.add(id);
    this.maxValuesPerPoint = Math.max(this.maxValuesPerPoint, keys.size);
  }

  remove(id: InternalId, values: readonly unknown[]): void {
    const keys = this.keysOf(values);
    for (const key of keys) this.pairs.delete(key, id);
    if (keys.size > 0) this.points.delete(id);
  }

  query(test: FieldTest): IndexQuery | undefined {
    if (this.schema.type === 'datetime') return test.type === 'datetime_range' ? this.ranges([test.range]) : undefined;
    switch (test.type) {
      case 'range':
        return this.ranges([test.range]);
      case 'match_value':
        return typeof test.value === 'number' ? this.ranges([{ gte: test.value, lte: test.value }]) : undefined;
      case 'match_any':
        if (test.any.length > 0 && typeof test.any[0] !== 'number') return undefined;
        return this.ranges((test.any as readonly number[]).map((value) => ({ gte: value, lte: value })));
      default:
        return undefined;
    }
  }

  save(): unknown {
    return { type: this.schema.type, ...this.pairs.toArrays() };
  }

  private ranges(ranges: readonly RangeBounds[]): IndexQuery {
    let entries = 0;
    let largest = 0;
    for (const range of ranges) {
      const count = this.pairs.count(range);
      entries += count;
      largest = Math.max(largest, count);
    }
    return {
      estimate: this.estimateFromEntries(entries, largest),
      ids: () => {
        const ids: number[] = [];
        for (const range of ranges) this.pairs.collect(range, ids);
        return sortUnique(ids);
      },
    };
  }

  /** Turns a count of (value, point) pairs into bounds on the number of points. */
  private estimateFromEntries(entries: number, largest: number): CardinalityEstimate {
    const pointsPerEntry = this.pairs.size === 0 ? 1 : this.pointCount / this.pairs.size;
    return {
      min: Math.ceil(largest / this.maxValuesPerPoint),
      expected: entries * pointsPerEntry,
      max: Math.min(entries, this.pointCount),
    };
  }
}
