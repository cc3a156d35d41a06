/**
 * Evaluation of a parsed filter against a point, with Qdrant's semantics
 * (lib/segment/src/payload_storage/query_checker.rs and condition_checker.rs):
 *
 * - A field condition holds when SOME value at its key passes the test; an array value is
 *   opened one level (`{"city": ["A", "B"]}` matches `city == "B"`), deeper arrays are not.
 *   A missing key fails every test except `is_empty`, `values_count` and `is_null: false`.
 * - `match.value`: strings equal strings, integers equal integral numbers, booleans
 *   booleans; never across types. `match.any` likewise for a list. `match.except`: some
 *   value that is not null and not in the list (a value of the other type counts as "not
 *   in the list").
 * - `match.text`/`phrase`: substring; `text_any`: any whitespace-separated word is a
 *   substring. With a full-text index on the field (`CompileFilterOptions.textIndex`),
 *   token semantics instead: all / any query tokens among the value's tokens, or the
 *   phrase's tokens consecutively. A query without tokens then matches nothing.
 * - `range` on numbers only; datetime `range` on strings that parse as date-times,
 *   compared as instants (time zones honoured).
 * - `values_count` counts one value per scalar, the length of an array, 0 for `null` and
 *   for a missing key (as Qdrant documents it).
 * - `is_empty`: missing, or every value is `null` or `[]`. `is_null`: some value is `null`.
 * - `nested`: some element of the array at the key satisfies the inner filter by itself.
 * - Clauses: all `must`, at least one `should`, at least `min_count` of `min_should`, no
 *   `must_not`. An empty filter matches every point.
 */
import type { PointId } from '../types.js';
import { parseDatetime } from './datetime.js';
import type {
  Condition,
  FieldCondition,
  FieldTest,
  Filter,
  FilterPoint,
  FullTextTokenizer,
  RangeBounds,
} from './filter-types.js';
import { inBoundingBox, inPolygon, inRadius, readGeoPoint } from './geo.js';
import { compilePathReader, joinPathText, type PathReader } from './payload-path.js';
import { sliceOf } from './point-id.js';

/**
 * Whether `should: []` matches every point (true) or none (false: Qdrant's literal "any of
 * nothing", kept there on purpose: qdrant/qdrant#554). RuVector follows Qdrant, so clients
 * see the same results. The planner in payload-index/ reads this too.
 */
export const EMPTY_SHOULD_MATCHES_ALL = false;

/** A compiled filter: true when the point passes. */
export type PointMatcher = (point: FilterPoint) => boolean;

export interface CompileFilterOptions {
  /**
   * The tokenizer of the full-text index on a field, by canonical key (`a.b[].c`), or
   * `undefined` when the field has none. `PayloadIndexSet.compileFilter` supplies it.
   */
  readonly textIndex?: (key: string) => FullTextTokenizer | undefined;
  /**
   * Whether the point has the named vector. Default: only the unnamed vector `""`, which
   * every point has (RuVector's collections hold one unnamed vector per point).
   */
  readonly hasVector?: (vectorName: string, id: PointId) => boolean;
}

type Payload = Readonly<Record<string, unknown>>;
type Check = (payload: Payload, id: PointId) => boolean;
type ValueTest = (value: unknown) => boolean;

interface CompileContext {
  readonly options: CompileFilterOptions;
  /** Canonical text of the enclosing nested array key (`a.b[]`), '' at the top level. */
  readonly prefix: string;
}

const ALWAYS: Check = () => true;
const NEVER: Check = () => false;

/**
 * Compiles a filter into a predicate, once per query: keys are pre-parsed into readers,
 * lists into Sets, the tree into closures, so the per-point cost inside HNSW traversal is
 * the payload lookups alone.
 * @example
 *   const accept = compileFilter(parseFilter({ must: { key: 'price', range: { lt: 10 } } }));
 *   accept({ id: 7, payload: { price: 9.5 } }); // true
 */
export function compileFilter(filter: Filter, options: CompileFilterOptions = {}): PointMatcher {
  const check = compileFilterNode(filter, { options, prefix: '' });
  if (check === ALWAYS) return () => true;
  return (point) => check(point.payload, point.id);
}

const defaultCompiled = new WeakMap<Filter, PointMatcher>();

/**
 * Evaluates a filter against one point (compiling it on first use and caching the result
 * per filter object when no options are given). Inside a loop, prefer `compileFilter`.
 * @example matchesFilter(parseFilter({ must: { has_id: [1, 2] } }), { id: 2, payload: {} }) // true
 */
export function matchesFilter(filter: Filter, point: FilterPoint, options?: CompileFilterOptions): boolean {
  if (options !== undefined) return compileFilter(filter, options)(point);
  let matcher = defaultCompiled.get(filter);
  if (matcher === undefined) {
    matcher = compileFilter(filter);
    defaultCompiled.set(filter, matcher);
  }
  return matcher(point);
}

function compileFilterNode(filter: Filter, context: CompileContext): Check {
  const must = (filter.must ?? []).map((c) => compileCondition(c, context));
  const mustNot = (filter.mustNot ?? []).map((c) => compileCondition(c, context));
  const should = filter.should === undefined ? undefined : filter.should.map((c) => compileCondition(c, context));
  const parts: Check[] = [];
  if (must.length > 0) parts.push(allOf(must));
  if (should !== undefined) {
    if (should.length > 0) parts.push(anyOf(should));
    else if (!EMPTY_SHOULD_MATCHES_ALL) return NEVER;
  }
  if (filter.minShould !== undefined) {
    const conditions = filter.minShould.conditions.map((c) => compileCondition(c, context));
    const minCount = filter.minShould.minCount;
    if (conditions.length < minCount) return NEVER;
    parts.push((payload, id) => {
      let hits = 0;
      for (let i = 0; i < conditions.length; i++) {
        if (conditions[i](payload, id) && ++hits >= minCount) return true;
        // Stop early once too few conditions remain to reach minCount.
        if (hits + (conditions.length - i - 1) < minCount) return false;
      }
      return false;
    });
  }
  if (mustNot.length > 0) {
    const any = anyOf(mustNot);
    parts.push((payload, id) => !any(payload, id));
  }
  if (parts.length === 0) return ALWAYS;
  return allOf(parts);
}

function allOf(checks: Check[]): Check {
  if (checks.length === 1) return checks[0];
  if (checks.length === 2) {
    const [a, b] = checks;
    return (payload, id) => a(payload, id) && b(payload, id);
  }
  return (payload, id) => {
    for (const check of checks) if (!check(payload, id)) return false;
    return true;
  };
}

function anyOf(checks: Check[]): Check {
  if (checks.length === 1) return checks[0];
  return (payload, id) => {
    for (const check of checks) if (check(payload, id)) return true;
    return false;
  };
}

function compileCondition(condition: Condition, context: CompileContext): Check {
  switch (condition.kind) {
    case 'field':
      return compileField(condition, context);
    case 'is_empty': {
      const read = compilePathReader(condition.key);
      return (payload) => isEmptyAt(read, payload);
    }
    case 'is_null': {
      const read = compilePathReader(condition.key);
      return (payload) => read(payload, isNull);
    }
    case 'has_id': {
      const ids = new Set<PointId>(condition.ids);
      if (ids.size === 0) return NEVER;
      // Filter UUIDs are normalised at parse time; point ids normally are too (types.ts).
      return (_payload, id) => ids.has(id) || (typeof id === 'string' && ids.has(id.toLowerCase()));
    }
    case 'has_vector': {
      const name = condition.vector;
      const hasVector = context.options.hasVector;
      if (hasVector === undefined) return name === '' ? ALWAYS : NEVER;
      return (_payload, id) => hasVector(name, id);
    }
    case 'slice': {
      const { index, total } = condition;
      if (total === 1) return ALWAYS;
      return (_payload, id) => sliceOf(id, total) === index;
    }
    case 'nested': {
      const read = compilePathReader(condition.arrayKey);
      const inner = compileFilterNode(condition.filter, { options: context.options, prefix: joinPathText(context.prefix, condition.arrayKey) });
      // Each element is checked on its own, so all inner conditions hold for the same element.
      return (payload, id) => read(payload, (element) => isObject(element) && inner(element, id));
    }
    case 'filter':
      return compileFilterNode(condition.filter, context);
  }
}

function isObject(value: unknown): value is Payload {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNull(value: unknown): boolean {
  return value === null;
}

function isEmptyAt(read: PathReader, payload: Payload): boolean {
  // Empty unless some value is neither null nor [] (vacuously empty when the key is missing).
  return !read(payload, (value) => !(value === null || (Array.isArray(value) && value.length === 0)));
}

/** `test` on the value, or on any element when the value is an array (one level only). */
function someValue(test: ValueTest): (value: unknown) => boolean {
  return (value) => {
    if (!Array.isArray(value)) return test(value);
    for (const element of value) if (test(element)) return true;
    return false;
  };
}

function compileField(condition: FieldCondition, context: CompileContext): Check {
  const read = compilePathReader(condition.key);
  const test = condition.test;
  switch (test.type) {
    case 'is_empty': {
      const wanted = test.value;
      return (payload) => isEmptyAt(read, payload) === wanted;
    }
    case 'is_null': {
      const wanted = test.value;
      return (payload) => read(payload, isNull) === wanted;
    }
    case 'values_count': {
      const inCount = boundsTest(test.count);
      const perValue = (value: unknown): boolean => inCount(value === null ? 0 : Array.isArray(value) ? value.length : 1);
      const missingMatches = inCount(0);
      return (payload) => {
        let found = false;
        const hit = read(payload, (value) => {
          found = true;
          return perValue(value);
        });
        return hit || (!found && missingMatches);
      };
    }
    default: {
      const valueTest = compileValueTest(test, joinPathText(context.prefix, condition.key), context.options);
      if (valueTest === undefined) return NEVER;
      const visit = someValue(valueTest);
      return (payload) => read(payload, visit);
    }
  }
}

type ValueFieldTest = Exclude<FieldTest, { type: 'values_count' | 'is_empty' | 'is_null' }>;

/** A test on one (non-array) value, or `undefined` when no value can pass. */
function compileValueTest(test: ValueFieldTest, keyText: string, options: CompileFilterOptions): ValueTest | undefined {
  switch (test.type) {
    case 'match_value': {
      // Strict equality never crosses types; an integer only equals an integral number.
      const wanted = test.value;
      return (value) => value === wanted;
    }
    case 'match_any': {
      if (test.any.length === 0) return undefined;
      const set = new Set<unknown>(test.any);
      return typeof test.any[0] === 'string'
        ? (value) => typeof value === 'string' && set.has(value)
        : (value) => typeof value === 'number' && Number.isInteger(value) && set.has(value);
    }
    case 'match_except': {
      const set = new Set<unknown>(test.except);
      const integers = test.except.length > 0 && typeof test.except[0] === 'number';
      return (value) => {
        if (value === null) return false;
        if (typeof value === 'string') return integers || !set.has(value);
        if (typeof value === 'number') return !integers || !Number.isInteger(value) || !set.has(value);
        return true; // booleans, objects and nested arrays are never in the list
      };
    }
    case 'match_text':
    case 'match_text_any':
    case 'match_phrase': {
      const text = test.type === 'match_phrase' ? test.phrase : test.text;
      const tokenizer = options.textIndex?.(keyText);
      if (tokenizer !== undefined) return compileTokenTest(test.type, text, tokenizer);
      if (test.type === 'match_text_any') {
        const words = text.split(/\s+/u).filter((word) => word.length > 0);
        if (words.length === 0) return undefined;
        return (value) => typeof value === 'string' && words.some((word) => value.includes(word));
      }
      return (value) => typeof value === 'string' && value.includes(text);
    }
    case 'match_prefix': {
      const prefix = test.prefix;
      return (value) => typeof value === 'string' && value.startsWith(prefix);
    }
    case 'range': {
      const inRange = boundsTest(test.range);
      return (value) => typeof value === 'number' && inRange(value);
    }
    case 'datetime_range': {
      const inRange = boundsTest(test.range);
      return (value) => {
        if (typeof value !== 'string') return false;
        const instant = parseDatetime(value);
        return instant !== undefined && inRange(instant);
      };
    }
    case 'geo_radius': {
      const { center, radius } = test;
      return (value) => {
        const point = readGeoPoint(value);
        return point !== undefined && inRadius(point, center, radius);
      };
    }
    case 'geo_bounding_box': {
      const { topLeft, bottomRight } = test;
      return (value) => {
        const point = readGeoPoint(value);
        return point !== undefined && inBoundingBox(point, topLeft, bottomRight);
      };
    }
    case 'geo_polygon': {
      const { exterior, interiors } = test;
      return (value) => {
        const point = readGeoPoint(value);
        return point !== undefined && inPolygon(point, exterior, interiors);
      };
    }
  }
}

/** Token semantics of Qdrant's full-text index, applied to each string value separately. */
function compileTokenTest(type: 'match_text' | 'match_text_any' | 'match_phrase', text: string, tokenizer: FullTextTokenizer): ValueTest | undefined {
  const queryTokens = tokenizer.tokenize(text);
  if (queryTokens.length === 0) return undefined;
  const matchToken = tokenizer.prefixMatch
    ? (documentToken: string, queryToken: string) => documentToken.startsWith(queryToken)
    : (documentToken: string, queryToken: string) => documentToken === queryToken;
  const has = (documentTokens: string[], queryToken: string): boolean => documentTokens.some((token) => matchToken(token, queryToken));
  switch (type) {
    case 'match_text':
      return (value) => {
        if (typeof value !== 'string') return false;
        const tokens = tokenizer.tokenize(value);
        return queryTokens.every((queryToken) => has(tokens, queryToken));
      };
    case 'match_text_any':
      return (value) => {
        if (typeof value !== 'string') return false;
        const tokens = tokenizer.tokenize(value);
        return queryTokens.some((queryToken) => has(tokens, queryToken));
      };
    case 'match_phrase':
      return (value) => {
        if (typeof value !== 'string') return false;
        const tokens = tokenizer.tokenize(value);
        for (let start = 0; start + queryTokens.length <= tokens.length; start++) {
          let all = true;
          for (let i = 0; i < queryTokens.length && all; i++) all = matchToken(tokens[start + i], queryTokens[i]);
          if (all) return true;
        }
        return false;
      };
  }
}

/** A test of a number against gt/gte/lt/lte bounds. */
export function boundsTest(bounds: RangeBounds): (value: number) => boolean {
  const { gt, gte, lt, lte } = bounds;
  return (value) =>
    (gt === undefined || value > gt) &&
    (gte === undefined || value >= gte) &&
    (lt === undefined || value < lt) &&
    (lte === undefined || value <= lte);
}
