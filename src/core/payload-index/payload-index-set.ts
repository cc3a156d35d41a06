/**
 * The payload indexes of one shard, by field, and what the planner asks of them.
 *
 * The engine keeps it in step with the points: `add` after a point's payload is written,
 * `remove` with the OLD payload before it is overwritten or deleted. Indexes are not
 * persisted: on open the engine rebuilds them from the points (`createIndex` with the
 * stored points), so `save()` is for diagnostics and tests.
 */
import { RvError } from '../../errors.js';
import {
  compileFilter,
  parsePayloadPath,
  resolveFlatValues,
  type CompileFilterOptions,
  type Filter,
  type FullTextTokenizer,
  type PayloadPath,
  type PointMatcher,
} from '../filter/index.js';
import type { InternalId, Payload } from '../types.js';
import type { CardinalityEstimate } from './cardinality.js';
import type { FieldIndex } from './field-index.js';
import { GeoIndex } from './geo-index.js';
import { BoolIndex, KeywordIndex, UuidIndex } from './map-index.js';
import { NumericIndex } from './numeric-index.js';
import { estimateFilter, filterCandidates, type PlanContext, type ResolveIds } from './plan.js';
import { parsePayloadFieldSchema, sameSchema, type PayloadFieldSchema, type PayloadSchemaType } from './schema.js';
import { TextIndex } from './text-index.js';

/** One entry of Qdrant's `payload_schema` in CollectionInfo (`PayloadIndexInfo`). */
export interface PayloadSchemaInfo {
  data_type: PayloadSchemaType;
  params?: Record<string, unknown>;
  points: number;
}

interface IndexedField {
  readonly path: PayloadPath;
  readonly index: FieldIndex;
}

/** Builds the empty index for a validated schema. */
export function createFieldIndex(schema: PayloadFieldSchema): FieldIndex {
  switch (schema.type) {
    case 'keyword':
      return new KeywordIndex(schema);
    case 'bool':
      return new BoolIndex(schema);
    case 'uuid':
      return new UuidIndex(schema);
    case 'integer':
    case 'float':
    case 'datetime':
      return new NumericIndex(schema);
    case 'text':
      return new TextIndex(schema);
    case 'geo':
      return new GeoIndex(schema);
  }
}

function parseFieldName(field: string): PayloadPath {
  if (typeof field !== 'string') {
    throw new RvError('RV_PAYLOAD_INDEX_INVALID', `field_name: expected a string, got ${field === null ? 'null' : typeof field}`);
  }
  const parsed = parsePayloadPath(field);
  if (!parsed.ok) {
    throw new RvError('RV_PAYLOAD_INDEX_INVALID', `field_name: "${field}" is not a valid payload key: ${parsed.reason}`, { details: { field } });
  }
  return parsed.path;
}

/**
 * @example
 *   const indexes = new PayloadIndexSet();
 *   indexes.createIndex('city', 'keyword');
 *   indexes.add(0, { city: 'London' });
 *   const filter = parseFilter({ must: { key: 'city', match: { value: 'London' } } });
 *   indexes.candidates(filter); // Uint32Array [0]
 */
export class PayloadIndexSet {
  private readonly fields = new Map<string, IndexedField>();
  private readonly planContext: PlanContext = { indexFor: (key) => this.fields.get(key)?.index };

  /**
   * Creates (or replaces, when the schema differs) the index of `field`, filling it from
   * `existing` points. Returns false when an identical index already exists.
   * @param schema Qdrant's `field_schema` in any input form (see `parsePayloadFieldSchema`).
   * @throws RvError `RV_PAYLOAD_INDEX_INVALID` for a bad field name or schema.
   */
  createIndex(field: string, schema: unknown, existing: Iterable<readonly [InternalId, Payload]> = []): boolean {
    const path = parseFieldName(field);
    const parsed = parsePayloadFieldSchema(schema);
    const current = this.fields.get(path.text);
    if (current !== undefined && sameSchema(current.index.schema, parsed)) return false;
    const index = createFieldIndex(parsed);
    for (const [id, payload] of existing) index.add(id, resolveFlatValues(payload, path));
    this.fields.set(path.text, { path, index });
    return true;
  }

  /** Drops the index of `field`; false when there was none. */
  dropIndex(field: string): boolean {
    const parsed = parsePayloadPath(field);
    return parsed.ok && this.fields.delete(parsed.path.text);
  }

  has(field: string): boolean {
    const parsed = parsePayloadPath(field);
    return parsed.ok && this.fields.has(parsed.path.text);
  }

  /** The indexed fields, by canonical name. */
  fieldNames(): string[] {
    return [...this.fields.keys()];
  }

  /** Indexes a point's payload (after it is written). */
  add(internalId: InternalId, payload: Payload): void {
    for (const { path, index } of this.fields.values()) index.add(internalId, resolveFlatValues(payload, path));
  }

  /** Un-indexes a point's payload; call with the OLD payload before overwriting or deleting it. */
  remove(internalId: InternalId, payload: Payload): void {
    for (const { path, index } of this.fields.values()) index.remove(internalId, resolveFlatValues(payload, path));
  }

  /** Qdrant's `payload_schema`: type, parameters as given, and points indexed, per field. */
  schemaInfo(): Record<string, PayloadSchemaInfo> {
    const info: Record<string, PayloadSchemaInfo> = {};
    for (const [name, { index }] of this.fields) {
      const entry: PayloadSchemaInfo = { data_type: index.schema.type, points: index.pointCount };
      if (index.schema.params !== undefined) entry.params = { ...index.schema.params };
      info[name] = entry;
    }
    return info;
  }

  /** The tokenizer of the full-text index on a canonical key, if there is one. */
  textTokenizer(key: string): FullTextTokenizer | undefined {
    const index = this.fields.get(key)?.index;
    return index instanceof TextIndex ? index.tokenizer : undefined;
  }

  /**
   * Compiles `filter` with the semantics these indexes imply (token matching on fields with
   * a text index, as Qdrant). Use this matcher, not a plain `compileFilter`, on the ids that
   * `candidates` returns. Compile per query: a later `createIndex` is not seen.
   */
  compileFilter(filter: Filter, options: Omit<CompileFilterOptions, 'textIndex'> = {}): PointMatcher {
    return compileFilter(filter, { ...options, textIndex: (key) => this.textTokenizer(key) });
  }

  /**
   * Bounds on how many of `totalPoints` points match `filter`. Conditions no index answers
   * count as unknown: min 0, max all, expected half.
   * @param resolveIds maps `has_id` point ids to the internal ids that exist.
   */
  estimateCardinality(filter: Filter, totalPoints: number, resolveIds?: ResolveIds): CardinalityEstimate {
    return estimateFilter(filter, totalPoints, this.contextWith(resolveIds));
  }

  /**
   * A sorted superset of the internal ids of the points that `this.compileFilter(filter)`
   * accepts, or `undefined` when no index narrows the filter. The caller still evaluates
   * the filter on every candidate.
   */
  candidates(filter: Filter, resolveIds?: ResolveIds): Uint32Array | undefined {
    return filterCandidates(filter, this.contextWith(resolveIds));
  }

  /** A JSON-serialisable snapshot: per field, its schema and index content. */
  save(): Record<string, unknown> {
    const saved: Record<string, unknown> = {};
    for (const [name, { index }] of this.fields) saved[name] = { schema: index.schema, index: index.save() };
    return saved;
  }

  private contextWith(resolveIds: ResolveIds | undefined): PlanContext {
    return resolveIds === undefined ? this.planContext : { ...this.planContext, resolveIds };
  }
}
