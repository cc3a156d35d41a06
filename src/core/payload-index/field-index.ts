/**
 * The contract every per-field payload index keeps, and the one invariant the planner
 * relies on: for a test it answers, `ids()` holds EVERY point whose values pass the test
 * as the evaluator (match-filter.ts) decides it. It may hold more (the caller still runs
 * the filter on each candidate); it must never hold fewer.
 */
import type { FieldTest } from '../filter/index.js';
import type { InternalId } from '../types.js';
import type { CardinalityEstimate } from './cardinality.js';
import type { PayloadFieldSchema } from './schema.js';

/** An index's answer for one field test. */
export interface IndexQuery {
  /** Bounds on the number of points passing the test (`min` counts only sure matches). */
  readonly estimate: CardinalityEstimate;
  /** Sorted, duplicate-free superset of the internal ids of the points passing the test. */
  ids(): Uint32Array;
}

export interface FieldIndex {
  readonly schema: PayloadFieldSchema;
  /** Points that have at least one value this index holds. */
  readonly pointCount: number;
  /**
   * Indexes a point's values at the field: the values at the key, arrays opened one level
   * (as `resolveFlatValues` returns them). Values of other types are ignored.
   */
  add(id: InternalId, values: readonly unknown[]): void;
  /** Removes what `add` indexed for the same values (the point's old payload). */
  remove(id: InternalId, values: readonly unknown[]): void;
  /** The index's answer for a test, or `undefined` when it cannot narrow that test. */
  query(test: FieldTest): IndexQuery | undefined;
  /** A JSON-serialisable snapshot of the index content (for diagnostics and checkpoints). */
  save(): unknown;
}
