/**
 * Indexes from a value to the points holding it (posting lists): `keyword`, `bool` and
 * `uuid`. Each posting list is a sorted array of internal ids.
 */
import { normalizeUuid, type FieldTest } from '../filter/index.js';
import type { InternalId } from '../types.js';
import type { FieldIndex, IndexQuery } from './field-index.js';
import type { PayloadFieldSchema } from './schema.js';
import { IdBitset, insertSorted, removeSorted, unionSorted } from './sorted-ids.js';

abstract class PostingsIndex implements FieldIndex {
  protected readonly postings = new Map<string, number[]>();
  private readonly points = new IdBitset();
  /** Number of (value, point) pairs: with `pointCount`, the average values per point. */
  private entries = 0;

  constructor(readonly schema: PayloadFieldSchema) {}

  /** The posting key of a payload value, or `undefined` when this index does not hold it. */
  protected abstract keyOf(value: unknown): string | undefined;

  abstract query(test: FieldTest): IndexQuery | undefined;

  get pointCount(): number {
    return this.points.size;
  }

  add(id: InternalId, values: readonly unknown[]): void {
    const keys = this.keysOf(values);
    for (const key of keys) {
      let list = this.postings.get(key);
      if (list === undefined) {
        list = [];
        this.postings.set(key, list);
      }
      if (insertSorted(list, id)) this.entries++;
    }
    if (keys.size > 0) this.points.add(id);
  }

  remove(id: InternalId, values: readonly unknown[]): void {
    const keys = this.keysOf(values);
    for (const key of keys) {
      const list = this.postings.get(key);
      if (list === undefined || !removeSorted(list, id)) continue;
      this.entries--;
      if (list.length === 0) this.postings.delete(key);
    }
    if (keys.size > 0) this.points.delete(id);
  }

  save(): unknown {
    return { type: this.schema.type, postings: [...this.postings] };
  }

  private keysOf(values: readonly unknown[]): Set<string> {
    const keys = new Set<string>();
    for (const value of values) {
      const key = this.keyOf(value);
      if (key !== undefined) keys.add(key);
    }
    return keys;
  }

  /**
   * The points holding any of `keys`. `exact`: every such point passes the test (so the
   * estimate's `min` may count them); false when the index normalises values the test
   * compares verbatim (uuid).
   */
  protected answer(keys: Iterable<string>, exact: boolean): IndexQuery {
    const lists: number[][] = [];
    for (const key of keys) {
      const list = this.postings.get(key);
      if (list !== undefined) lists.push(list);
    }
    let sum = 0;
    let longest = 0;
    for (const list of lists) {
      sum += list.length;
      longest = Math.max(longest, list.length);
    }
    const max = Math.min(sum, this.pointCount);
    const pointsPerEntry = this.entries === 0 ? 1 : this.pointCount / this.entries;
    return {
      estimate: { min: exact ? longest : 0, expected: Math.max(longest, Math.min(max, sum * pointsPerEntry)), max },
      ids: () => (lists.length === 0 ? new Uint32Array(0) : unionSorted(lists)),
    };
  }
}

/** `keyword`: exact strings; serves `match.value`/`match.any` on strings and `match.prefix`. */
export class KeywordIndex extends PostingsIndex {
  protected keyOf(value: unknown): string | undefined {
    return typeof value === 'string' ? value : undefined;
  }

  query(test: FieldTest): IndexQuery | undefined {
    switch (test.type) {
      case 'match_value':
        return typeof test.value === 'string' ? this.answer([test.value], true) : undefined;
      case 'match_any':
        // An integer list never matches a string; but this index cannot see integers.
        return test.any.length === 0 || typeof test.any[0] === 'string' ? this.answer(test.any as readonly string[], true) : undefined;
      case 'match_prefix': {
        const prefix = test.prefix;
        const keys: string[] = [];
        for (const key of this.postings.keys()) if (key.startsWith(prefix)) keys.push(key);
        return this.answer(keys, true);
      }
      default:
        return undefined;
    }
  }
}

/** `bool`: serves `match.value` with a boolean. */
export class BoolIndex extends PostingsIndex {
  protected keyOf(value: unknown): string | undefined {
    return typeof value === 'boolean' ? String(value) : undefined;
  }

  query(test: FieldTest): IndexQuery | undefined {
    return test.type === 'match_value' && typeof test.value === 'boolean' ? this.answer([String(test.value)], true) : undefined;
  }
}

/**
 * `uuid`: strings that are UUIDs, normalised, so any spelling of a UUID finds the point.
 * The evaluator still compares strings verbatim, so answers are supersets (`min` 0), and a
 * query string that is not a UUID is not answered at all (non-UUID strings are not held).
 */
export class UuidIndex extends PostingsIndex {
  protected keyOf(value: unknown): string | undefined {
    return typeof value === 'string' ? normalizeUuid(value) : undefined;
  }

  query(test: FieldTest): IndexQuery | undefined {
    let strings: readonly string[];
    if (test.type === 'match_value' && typeof test.value === 'string') strings = [test.value];
    else if (test.type === 'match_any' && (test.any.length === 0 || typeof test.any[0] === 'string')) strings = test.any as readonly string[];
    else return undefined;
    const keys: string[] = [];
    for (const text of strings) {
      const key = normalizeUuid(text);
      if (key === undefined) return undefined;
      keys.push(key);
    }
    return this.answer(keys, false);
  }
}
