/** The Qdrant filter language: parse, evaluate, and the helpers payload indexes share. */
export {
  DEFAULT_FILTER_MAX_CONDITIONS,
  DEFAULT_FILTER_MAX_DEPTH,
  type Condition,
  type FieldCondition,
  type FieldTest,
  type FieldTestType,
  type Filter,
  type FilterCondition,
  type FilterPoint,
  type FullTextTokenizer,
  type GeoPoint,
  type HasIdCondition,
  type HasVectorCondition,
  type IsEmptyCondition,
  type IsNullCondition,
  type MinShould,
  type NestedCondition,
  type ParseFilterOptions,
  type PathSegment,
  type PayloadPath,
  type RangeBounds,
  type SliceCondition,
} from './filter-types.js';
export { parseFilter } from './parse-filter.js';
export { compileFilter, matchesFilter, boundsTest, EMPTY_SHOULD_MATCHES_ALL, type CompileFilterOptions, type PointMatcher } from './match-filter.js';
export {
  arrayKeyOf,
  compilePathReader,
  joinPathText,
  parsePayloadPath,
  resolveFlatValues,
  resolvePath,
  type ParsePathResult,
  type PathReader,
} from './payload-path.js';
export { parseDatetime } from './datetime.js';
export {
  EARTH_RADIUS_METERS,
  WHOLE_EARTH,
  boundingBoxBounds,
  haversineMeters,
  inBoundingBox,
  inPolygon,
  inRadius,
  polygonBounds,
  radiusBounds,
  readGeoPoint,
  type GeoRect,
} from './geo.js';
export { normalizeUuid, sipHash24, sliceOf } from './point-id.js';
