/**
 * What payload indexes can say about a whole filter: a cardinality estimate (to choose
 * between an exact scan of the matches and a filtered HNSW search) and a candidate set.
 *
 * Candidates are a SUPERSET of the matches, built only from conditions an index answers:
 * `must` intersects, `should` unions (only when every branch is answered), `min_should`
 * keeps ids found by enough answered branches, `must_not` never narrows (a complement of
 * a superset is not a superset). Inside `nested`, inner conditions are looked up under
 * the joined key (`a[]` + `k` → the index on `a[].k`): a point with an element passing a
 * test has that value under the joined key, so those answers stay supersets too.
 */
import {
  EMPTY_SHOULD_MATCHES_ALL,
  joinPathText,
  type Condition,
  type Filter,
} from '../filter/index.js';
import type { InternalId, PointId } from '../types.js';
import {
  clampEstimate,
  estimateAll,
  estimateAny,
  estimateAtLeast,
  estimateNot,
  exactEstimate,
  unknownEstimate,
  type CardinalityEstimate,
} from './cardinality.js';
import type { FieldIndex } from './field-index.js';
import { atLeastSorted, intersectSorted, sortUnique, unionSorted } from './sorted-ids.js';

/** Maps user point ids to the internal ids of the points that exist (unknown ids left out). */
export type ResolveIds = (ids: readonly PointId[]) => ArrayLike<InternalId>;

export interface PlanContext {
  /** The index registered under a canonical key, if any. */
  readonly indexFor: (keyText: string) => FieldIndex | undefined;
  readonly resolveIds?: ResolveIds;
}

const EMPTY = new Uint32Array(0);

/**
 * Bounds on the number of points matching `filter` among `total`.
 * Inside `nested` only `max` and `expected` are informative (`min` is 0): indexes count
 * points, while a nested filter needs its conditions to hold for the same element.
 */
export function estimateFilter(filter: Filter, total: number, context: PlanContext, prefix = '', nested = false): CardinalityEstimate {
  const parts: CardinalityEstimate[] = [];
  const estimate = (condition: Condition): CardinalityEstimate => estimateCondition(condition, total, context, prefix, nested);
  if (filter.must !== undefined && filter.must.length > 0) parts.push(estimateAll(filter.must.map(estimate), total));
  if (filter.should !== undefined) {
    if (filter.should.length > 0) parts.push(estimateAny(filter.should.map(estimate), total));
    else if (!EMPTY_SHOULD_MATCHES_ALL) return exactEstimate(0);
  }
  if (filter.minShould !== undefined) {
    parts.push(estimateAtLeast(filter.minShould.conditions.map(estimate), filter.minShould.minCount, total));
  }
  // Per element, "not C" is not "not (some element has C)": inside nested, must_not is
  // left out, which keeps max an upper bound.
  if (filter.mustNot !== undefined && filter.mustNot.length > 0 && !nested) {
    parts.push(estimateAll(filter.mustNot.map((condition) => estimateNot(estimate(condition), total)), total));
  }
  const result = estimateAll(parts, total);
  return nested ? { ...result, min: 0 } : result;
}

function estimateCondition(condition: Condition, total: number, context: PlanContext, prefix: string, nested: boolean): CardinalityEstimate {
  switch (condition.kind) {
    case 'field': {
      const answer = context.indexFor(joinPathText(prefix, condition.key))?.query(condition.test);
      return answer === undefined ? unknownEstimate(total) : clampEstimate(answer.estimate, total);
    }
    case 'has_id': {
      if (context.resolveIds !== undefined) return clampEstimate(exactEstimate(sortUnique(context.resolveIds(condition.ids)).length), total);
      const most = Math.min(total, condition.ids.length);
      return { min: 0, expected: most, max: most };
    }
    case 'slice':
      return clampEstimate({ min: 0, expected: total / condition.total, max: total }, total);
    case 'nested':
      return estimateFilter(condition.filter, total, context, joinPathText(prefix, condition.arrayKey), true);
    case 'filter':
      return estimateFilter(condition.filter, total, context, prefix, nested);
    case 'is_empty':
    case 'is_null':
    case 'has_vector':
      return unknownEstimate(total);
  }
}

/**
 * A sorted superset of the internal ids matching `filter`, or `undefined` when no index
 * narrows it.
 */
export function filterCandidates(filter: Filter, context: PlanContext, prefix = ''): Uint32Array | undefined {
  const parts: Uint32Array[] = [];
  const candidates = (condition: Condition): Uint32Array | undefined => conditionCandidates(condition, context, prefix);
  for (const condition of filter.must ?? []) {
    const ids = candidates(condition);
    if (ids !== undefined) parts.push(ids);
  }
  if (filter.should !== undefined) {
    if (filter.should.length === 0) {
      if (!EMPTY_SHOULD_MATCHES_ALL) return EMPTY;
    } else {
      const branches = filter.should.map(candidates);
      // One unanswered branch may match anything, so the union says nothing then.
      if (branches.every((ids) => ids !== undefined)) parts.push(unionSorted(branches as Uint32Array[]));
    }
  }
  if (filter.minShould !== undefined) {
    const { conditions, minCount } = filter.minShould;
    if (minCount > conditions.length) return EMPTY;
    const answered = conditions.map(candidates).filter((ids): ids is Uint32Array => ids !== undefined);
    // A match passes minCount conditions, of which at most (unanswered) escape the indexes.
    const needed = minCount - (conditions.length - answered.length);
    if (needed >= 1) parts.push(atLeastSorted(answered, needed));
  }
  if (parts.length === 0) return undefined;
  parts.sort((a, b) => a.length - b.length);
  return parts.reduce((result, ids) => (result.length === 0 ? result : intersectSorted(result, ids)));
}

function conditionCandidates(condition: Condition, context: PlanContext, prefix: string): Uint32Array | undefined {
  switch (condition.kind) {
    case 'field':
      return context.indexFor(joinPathText(prefix, condition.key))?.query(condition.test)?.ids();
    case 'has_id':
      return context.resolveIds === undefined ? undefined : sortUnique(context.resolveIds(condition.ids));
    case 'nested':
      return filterCandidates(condition.filter, context, joinPathText(prefix, condition.arrayKey));
    case 'filter':
      return filterCandidates(condition.filter, context, prefix);
    case 'is_empty':
    case 'is_null':
    case 'has_vector':
    case 'slice':
      return undefined;
  }
}
