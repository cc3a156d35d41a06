/**
 * The parsed form of a Qdrant filter (`Filter`, `Condition`, `FieldCondition`, ...).
 *
 * `parseFilter` turns the REST JSON into this tree after validating it completely, so the
 * evaluator and the planner never meet a malformed filter. The tree is plain data (arrays,
 * strings, numbers; no Sets, Maps or functions) so it can be structured-cloned to a worker
 * thread or logged as JSON. Keys are parsed once into `PayloadPath`s; UUIDs are normalised;
 * datetimes are converted to instants (epoch microseconds) at parse time.
 */
import type { PointId } from '../types.js';

/** One step of a payload key: `.name` (or `"quoted name"`), `[3]` or `[]`. */
export type PathSegment =
  | { readonly kind: 'key'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' };

/**
 * A parsed payload key such as `country.cities[].name`. `text` is the canonical spelling
 * (quotes only where needed), used to look up payload indexes by field name.
 */
export interface PayloadPath {
  readonly text: string;
  readonly segments: readonly PathSegment[];
}

/** A geographic point in degrees. */
export interface GeoPoint {
  readonly lon: number;
  readonly lat: number;
}

/** Bounds of a numeric range or a values count; absent bounds are open. */
export interface RangeBounds {
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
}

/** The test a field condition applies to each value found at its key. */
export type FieldTest =
  | { readonly type: 'match_value'; readonly value: string | number | boolean }
  /** `any` holds either strings or integers, never both (Qdrant's AnyVariants). */
  | { readonly type: 'match_any'; readonly any: readonly string[] | readonly number[] }
  | { readonly type: 'match_except'; readonly except: readonly string[] | readonly number[] }
  | { readonly type: 'match_text'; readonly text: string }
  | { readonly type: 'match_text_any'; readonly text: string }
  | { readonly type: 'match_phrase'; readonly phrase: string }
  | { readonly type: 'match_prefix'; readonly prefix: string }
  | { readonly type: 'range'; readonly range: RangeBounds }
  /** Bounds are instants in epoch microseconds (RFC 3339 strings in the request). */
  | { readonly type: 'datetime_range'; readonly range: RangeBounds }
  /** `radius` in meters, great-circle (haversine) distance. */
  | { readonly type: 'geo_radius'; readonly center: GeoPoint; readonly radius: number }
  | { readonly type: 'geo_bounding_box'; readonly topLeft: GeoPoint; readonly bottomRight: GeoPoint }
  /** Rings are closed (first point == last point), at least 4 points each. */
  | { readonly type: 'geo_polygon'; readonly exterior: readonly GeoPoint[]; readonly interiors: readonly (readonly GeoPoint[])[] }
  | { readonly type: 'values_count'; readonly count: RangeBounds }
  /** `{key, is_empty: true|false}`: the same test as the `is_empty` condition, or its negation. */
  | { readonly type: 'is_empty'; readonly value: boolean }
  /** `{key, is_null: true|false}`: the same test as the `is_null` condition, or its negation. */
  | { readonly type: 'is_null'; readonly value: boolean };

export type FieldTestType = FieldTest['type'];

export interface FieldCondition {
  readonly kind: 'field';
  readonly key: PayloadPath;
  readonly test: FieldTest;
}

/** The field is missing, or every value at the key is `null` or `[]`. */
export interface IsEmptyCondition {
  readonly kind: 'is_empty';
  readonly key: PayloadPath;
}

/** Some value at the key is `null` (an array holding null is not null itself). */
export interface IsNullCondition {
  readonly kind: 'is_null';
  readonly key: PayloadPath;
}

/** The point id is one of `ids` (numbers, or UUIDs in lowercase hyphenated form; no duplicates). */
export interface HasIdCondition {
  readonly kind: 'has_id';
  readonly ids: readonly PointId[];
}

/** The point has the named vector (`""` is the default, unnamed vector). */
export interface HasVectorCondition {
  readonly kind: 'has_vector';
  readonly vector: string;
}

/**
 * Some element of the array at `key` satisfies `filter` on its own: all the inner
 * conditions hold for the same element. `arrayKey` is `key` with `[]` appended.
 */
export interface NestedCondition {
  readonly kind: 'nested';
  readonly key: PayloadPath;
  readonly arrayKey: PayloadPath;
  readonly filter: Filter;
}

/** The point falls in slice `index` of `total` (SipHash-2-4 of the id, modulo `total`). */
export interface SliceCondition {
  readonly kind: 'slice';
  readonly index: number;
  readonly total: number;
}

/** A filter used as a condition (Qdrant's `Condition::Filter`). */
export interface FilterCondition {
  readonly kind: 'filter';
  readonly filter: Filter;
}

export type Condition =
  | FieldCondition
  | IsEmptyCondition
  | IsNullCondition
  | HasIdCondition
  | HasVectorCondition
  | NestedCondition
  | SliceCondition
  | FilterCondition;

/** At least `minCount` (≥ 1) of `conditions` hold. */
export interface MinShould {
  readonly conditions: readonly Condition[];
  readonly minCount: number;
}

/**
 * A filter: all of `must`, at least one of `should` (when present and non-empty), at least
 * `minShould.minCount` of `minShould.conditions`, none of `mustNot`. Absent clauses are
 * `undefined`; the empty filter `{}` matches every point.
 */
export interface Filter {
  readonly must?: readonly Condition[];
  readonly should?: readonly Condition[];
  readonly mustNot?: readonly Condition[];
  readonly minShould?: MinShould;
}

/** What a filter is evaluated against: a point's id and payload. */
export interface FilterPoint {
  readonly id: PointId;
  readonly payload: Readonly<Record<string, unknown>>;
}

/**
 * Tokenizer of a full-text payload index. When a field has a text index, Qdrant evaluates
 * `match.text` / `text_any` / `phrase` on tokens instead of substrings; the evaluator asks
 * for the field's tokenizer through `CompileFilterOptions.textIndex` to do the same.
 */
export interface FullTextTokenizer {
  /** The document's (or the query's) tokens, in order, normalised as the index stores them. */
  tokenize(text: string): string[];
  /** True for the `prefix` tokenizer: a query token matches every document token it starts. */
  readonly prefixMatch: boolean;
}

/** Limits that `parseFilter` enforces. */
export interface ParseFilterOptions {
  /** Maximum nesting of filters (the root filter is depth 1). Default 16. */
  readonly maxDepth?: number;
  /** Maximum number of conditions in the whole tree. Default 1024. */
  readonly maxConditions?: number;
}

export const DEFAULT_FILTER_MAX_DEPTH = 16;
export const DEFAULT_FILTER_MAX_CONDITIONS = 1024;
