/**
 * The universal query (`POST /points/query`) as a tree of stages. The body's shape has
 * already passed the route schema; this turns it into typed stages and checks what the schema
 * cannot: fusion needs prefetches, RRF weights match them, prefetch trees stay bounded, and
 * fields RuVector cannot honour are refused by name.
 */
import { RvError } from '../../errors.js';
import type { EngineLimits } from '../../engine/index.js';
import { checkUsing, rejectUnsupported } from '../compat.js';
import { parseOrderBy, type OrderBy } from './order-by.js';

/** Deepest prefetch nesting accepted; real pipelines use two or three levels. */
export const MAX_PREFETCH_DEPTH = 8;
export const DEFAULT_QUERY_LIMIT = 10;
export const DEFAULT_MMR_DIVERSITY = 0.5;

/** What a stage computes. */
export type QueryKind =
  | { kind: 'none' }
  /** `input` is a vector or a point id, validated by the engine when the stage runs. */
  | { kind: 'nearest'; input: unknown; mmr?: { diversity: number; candidatesLimit?: number } }
  | { kind: 'recommend'; positive: unknown[]; negative: unknown[]; strategy: unknown }
  | { kind: 'order_by'; order: OrderBy }
  | { kind: 'fusion'; method: 'rrf' | 'dbsf'; k?: number; weights?: number[] };

/** One stage: its prefetch sub-stages run first, then its query over their results. */
export interface Stage {
  prefetch: Stage[];
  query: QueryKind;
  /** Raw Qdrant filter, parsed by the engine. */
  filter?: unknown;
  params?: unknown;
  scoreThreshold?: number;
  limit: number;
}

/** The top-level stage, with the paging and projection only it has. */
export interface QueryPlan extends Stage {
  offset: number;
  withPayload: unknown;
  withVector: unknown;
}

type Body = Record<string, unknown>;

function invalid(message: string, field: string): RvError {
  return new RvError('RV_SEARCH_INVALID', `${field}: ${message}`, { details: { field } });
}

const isPresent = (value: unknown): boolean => value !== undefined && value !== null;

function parseQueryKind(input: unknown, field: string): QueryKind {
  if (!isPresent(input)) return { kind: 'none' };
  if (Array.isArray(input) || typeof input === 'number' || typeof input === 'string') return { kind: 'nearest', input };
  const query = input as Body;
  if ('nearest' in query) {
    const mmr = query.mmr as { diversity?: number | null; candidates_limit?: number | null } | null | undefined;
    if (!isPresent(mmr)) return { kind: 'nearest', input: query.nearest };
    return {
      kind: 'nearest', input: query.nearest,
      mmr: {
        diversity: mmr?.diversity ?? DEFAULT_MMR_DIVERSITY,
        ...(isPresent(mmr?.candidates_limit) ? { candidatesLimit: mmr?.candidates_limit as number } : {}),
      },
    };
  }
  if ('recommend' in query) {
    const recommend = query.recommend as { positive?: unknown[] | null; negative?: unknown[] | null; strategy?: unknown };
    return { kind: 'recommend', positive: recommend.positive ?? [], negative: recommend.negative ?? [], strategy: recommend.strategy };
  }
  if ('order_by' in query) return { kind: 'order_by', order: parseOrderBy(query.order_by, `${field}.order_by`) };
  if ('fusion' in query) return { kind: 'fusion', method: query.fusion as 'rrf' | 'dbsf' };
  if ('rrf' in query) {
    const rrf = (query.rrf ?? {}) as { k?: number | null; weights?: number[] | null };
    return { kind: 'fusion', method: 'rrf', ...(isPresent(rrf.k) ? { k: rrf.k as number } : {}), ...(isPresent(rrf.weights) ? { weights: rrf.weights as number[] } : {}) };
  }
  throw invalid('unsupported query form', field);
}

interface Budget {
  stages: number;
  readonly maxStages: number;
}

function parseStage(body: Body, field: string, depth: number, budget: Budget): Stage {
  const prefix = field === '' ? '' : `${field}.`;
  rejectUnsupported(body, ['shard_key', 'lookup_from'], prefix);
  checkUsing(body.using, `${prefix}using`);
  budget.stages += 1;
  if (budget.stages > budget.maxStages) {
    throw new RvError('RV_LIMIT_EXCEEDED', `${field || 'query'}: more than ${budget.maxStages} query stages (prefetches included), over the limit`, { details: { field: field || 'prefetch', limit: budget.maxStages } });
  }
  const rawPrefetch = body.prefetch;
  const prefetchList = !isPresent(rawPrefetch) ? [] : Array.isArray(rawPrefetch) ? rawPrefetch : [rawPrefetch];
  if (prefetchList.length > 0 && depth >= MAX_PREFETCH_DEPTH) {
    throw new RvError('RV_LIMIT_EXCEEDED', `${prefix}prefetch: nested deeper than ${MAX_PREFETCH_DEPTH} levels`, { details: { field: `${prefix}prefetch`, limit: MAX_PREFETCH_DEPTH } });
  }
  const prefetch = prefetchList.map((p, i) => parseStage(p as Body, `${prefix}prefetch[${i}]`, depth + 1, budget));
  const query = parseQueryKind(body.query, `${prefix}query`);
  if (query.kind === 'fusion') {
    if (prefetch.length === 0) throw invalid('fusion combines prefetch results: give at least one prefetch', `${prefix}query`);
    if (query.weights !== undefined && query.weights.length !== prefetch.length) {
      throw invalid(`rrf.weights has ${query.weights.length} entries for ${prefetch.length} prefetches`, `${prefix}query.rrf.weights`);
    }
  }
  return {
    prefetch,
    query,
    ...(isPresent(body.filter) ? { filter: body.filter } : {}),
    ...(isPresent(body.params) ? { params: body.params } : {}),
    ...(isPresent(body.score_threshold) ? { scoreThreshold: body.score_threshold as number } : {}),
    limit: (body.limit as number | null | undefined) ?? DEFAULT_QUERY_LIMIT,
  };
}

/**
 * Parses a QueryRequest body.
 * @example planQuery({ query: { nearest: [0.1, 0.2] }, limit: 5, with_payload: true }, db.limits)
 */
export function planQuery(body: Body, limits: EngineLimits, field = ''): QueryPlan {
  const stage = parseStage(body, field, 0, { stages: 0, maxStages: limits.maxBatchQueries });
  return {
    ...stage,
    offset: (body.offset as number | null | undefined) ?? 0,
    withPayload: body.with_payload,
    withVector: body.with_vector,
  };
}
