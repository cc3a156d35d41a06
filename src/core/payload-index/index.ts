/** Payload indexes per field, and the planner's view of a filter through them. */
export { PayloadIndexSet, createFieldIndex, type PayloadSchemaInfo } from './payload-index-set.js';
export {
  PAYLOAD_SCHEMA_TYPES,
  TOKENIZERS,
  parsePayloadFieldSchema,
  sameSchema,
  textIndexOptions,
  type PayloadFieldSchema,
  type PayloadSchemaType,
  type TextIndexOptions,
  type TokenizerType,
} from './schema.js';
export type { FieldIndex, IndexQuery } from './field-index.js';
export { estimateFilter, filterCandidates, type PlanContext, type ResolveIds } from './plan.js';
export {
  UNKNOWN_SELECTIVITY,
  estimateAll,
  estimateAny,
  estimateAtLeast,
  estimateNot,
  exactEstimate,
  unknownEstimate,
  type CardinalityEstimate,
} from './cardinality.js';
export { createTokenizer } from './tokenizer.js';
export { KeywordIndex, BoolIndex, UuidIndex } from './map-index.js';
export { NumericIndex } from './numeric-index.js';
export { TextIndex } from './text-index.js';
export { GeoIndex } from './geo-index.js';
