/**
 * Runs a universal-query plan against a query target (a local collection or a cluster
 * collection, query-target.ts). Every stage ends in one call of the target:
 *
 * - without prefetch: a search, recommend, ordered scroll or id scroll under the stage's filter;
 * - with prefetch: the sub-stages run first (under this stage's filter too); a fusion merges
 *   their lists, any other query re-scores their union by running the same engine call
 *   restricted to those ids (`has_id`) with exact scoring.
 *
 * The top-level nearest/recommend stage without prefetch or MMR lets the engine apply offset
 * and the payload/vector projection; otherwise the final page is projected with one retrieve.
 */
import type { PointId } from '../../core/types.js';
import type { ScoredPoint } from '../../engine/index.js';
import { fuseDbsf, fuseRrf, type Ranked } from './fusion.js';
import { selectByMmr, vectorSimilarity } from './mmr.js';
import { orderedPoints } from './order-by.js';
import type { QueryPlan, Stage } from './query-plan.js';
import type { QueryTarget } from './query-target.js';

/** A query result: Qdrant's ScoredPoint, with the payload value it was ordered by, if any. */
export type QueryPoint = ScoredPoint & { order_value?: number };

interface StageResult {
  /** Best first. */
  hits: QueryPoint[];
  /** True when the engine already applied the top-level offset and projection. */
  projected: boolean;
  /** How `score` compares: similarity and fusion scores are higher-better, distances lower-better. */
  higherIsBetter: boolean;
}

interface TopLevel {
  offset: number;
  withPayload: unknown;
  withVector: unknown;
}

type Filter = unknown;

function and(a: Filter | undefined, b: Filter | undefined): Filter | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return { must: [a, b] };
}

const keyOf = (id: PointId): string => String(id);

/** Hits for ids in order, with each point's version (its last write's operation id; 0 if it vanished meanwhile). */
async function withVersions(target: QueryTarget, points: { id: PointId; score: number; order_value?: number }[]): Promise<QueryPoint[]> {
  const versions = await target.versionsOf(points.map((p) => p.id));
  return points.map((p) => ({ ...p, version: versions.get(keyOf(p.id)) ?? 0 }));
}

/** Options common to the engine calls of a stage. */
function engineBody(stage: Stage, filter: Filter | undefined, limit: number, top: TopLevel | undefined, exact: boolean): Record<string, unknown> {
  const params = exact ? { ...(stage.params as Record<string, unknown> | undefined), exact: true } : stage.params;
  return {
    filter,
    params,
    score_threshold: stage.scoreThreshold,
    limit,
    ...(top === undefined ? { with_payload: false, with_vector: false } : { offset: top.offset, with_payload: top.withPayload ?? false, with_vector: top.withVector ?? false }),
  };
}

/** The stage's own query, with no prefetch (or restricted to the prefetch union by `filter`). */
async function runDirect(target: QueryTarget, stage: Stage, filter: Filter | undefined, topLevel: TopLevel | undefined, exact: boolean, pageSize: number): Promise<StageResult> {
  const wanted = stage.limit + (topLevel?.offset ?? 0);
  // Where the engine can apply offset and projection itself, let it (no second lookup).
  const top = topLevel;
  const higherIsBetter = target.higherIsBetter;
  const query = stage.query;
  switch (query.kind) {
    case 'none': {
      const page = await target.scroll({ filter, limit: wanted, with_payload: false, with_vector: false });
      // Qdrant scores query-less (id-ordered) results 1.
      return { hits: await withVersions(target, page.points.map((p) => ({ id: p.id, score: 1 }))), projected: false, higherIsBetter: true };
    }
    case 'nearest': {
      if (query.mmr !== undefined) {
        const candidates = await nearest(target, query.input, { ...engineBody(stage, filter, Math.max(1, query.mmr.candidatesLimit ?? wanted), undefined, exact), with_vector: true });
        const relevance = candidates.map((c) => (higherIsBetter ? c.score : -c.score));
        const distance = target.distance;
        const vectors = candidates.map((c) => c.vector as number[]);
        const chosen = selectByMmr(relevance, (i, j) => vectorSimilarity(distance, vectors[i], vectors[j]), { diversity: query.mmr.diversity, limit: wanted });
        // Scores stay the similarity to the query (as Qdrant reports them), in MMR order.
        return { hits: chosen.map((i) => ({ id: candidates[i].id, version: candidates[i].version, score: candidates[i].score })), projected: false, higherIsBetter };
      }
      const hits = await nearest(target, query.input, engineBody(stage, filter, top === undefined ? wanted : stage.limit, top, exact));
      return { hits, projected: top !== undefined, higherIsBetter };
    }
    case 'recommend': {
      const hits = await target.recommend({
        ...engineBody(stage, filter, top === undefined ? wanted : stage.limit, top, exact),
        positive: query.positive, negative: query.negative, strategy: query.strategy,
      });
      return { hits, projected: top !== undefined, higherIsBetter };
    }
    case 'order_by': {
      const ordered = await orderedPoints(target, { order: query.order, filter, limit: wanted, pageSize });
      return {
        hits: await withVersions(target, ordered.map((p) => ({ id: p.id, score: p.orderValue, order_value: p.orderValue }))),
        projected: false,
        higherIsBetter: query.order.direction === 'desc',
      };
    }
    case 'fusion':
      // planQuery guarantees a fusion has prefetches; runStage handles it.
      throw new Error('fusion without prefetch reached the executor');
  }
}

/** Nearest neighbours of a vector, or of a point's vector (that point excluded). */
function nearest(target: QueryTarget, input: unknown, body: Record<string, unknown>): Promise<ScoredPoint[]> {
  if (Array.isArray(input)) return target.search({ ...body, vector: input });
  return target.searchNearPoint(input, body);
}

function passesThreshold(score: number, threshold: number | undefined): boolean {
  return threshold === undefined || score >= threshold;
}

async function runStage(target: QueryTarget, stage: Stage, inherited: Filter | undefined, top: TopLevel | undefined, pageSize: number): Promise<StageResult> {
  const filter = and(inherited, stage.filter);
  if (stage.prefetch.length === 0) return runDirect(target, stage, filter, top, false, pageSize);

  const lists = await Promise.all(stage.prefetch.map((p) => runStage(target, p, filter, undefined, pageSize)));
  const wanted = stage.limit + (top?.offset ?? 0);
  const query = stage.query;
  if (query.kind === 'fusion' || query.kind === 'none') {
    let fused: Ranked<QueryPoint>[];
    if (query.kind === 'none') {
      // No query over prefetches: their results in order, each point once.
      const seen = new Map<string, Ranked<QueryPoint>>();
      for (const list of lists) for (const hit of list.hits) if (!seen.has(keyOf(hit.id))) seen.set(keyOf(hit.id), { key: keyOf(hit.id), score: hit.score, item: hit });
      fused = [...seen.values()];
    } else {
      const ranked = lists.map((list) => list.hits.map((hit) => ({ key: keyOf(hit.id), item: hit, score: list.higherIsBetter ? hit.score : -hit.score })));
      fused = query.method === 'rrf' ? fuseRrf(ranked, { k: query.k, weights: query.weights }) : fuseDbsf(ranked);
    }
    const hits = fused
      .filter((entry) => query.kind === 'none' || passesThreshold(entry.score, stage.scoreThreshold))
      .slice(0, wanted)
      .map((entry) => ({ id: entry.item.id, version: entry.item.version, score: query.kind === 'none' ? entry.item.score : entry.score }));
    return { hits, projected: false, higherIsBetter: true };
  }
  // Re-score the union of the prefetch results with this stage's query, exactly.
  const ids = new Map<string, PointId>();
  for (const list of lists) for (const hit of list.hits) ids.set(keyOf(hit.id), hit.id);
  if (ids.size === 0) return { hits: [], projected: top !== undefined, higherIsBetter: target.higherIsBetter };
  const restricted = and(filter, { must: [{ has_id: [...ids.values()] }] });
  return runDirect(target, { ...stage, prefetch: [] }, restricted, top, true, pageSize);
}

/** Attaches payload and vector to the final page with one retrieve. */
async function project(target: QueryTarget, hits: QueryPoint[], withPayload: unknown, withVector: unknown): Promise<QueryPoint[]> {
  if (hits.length === 0) return hits;
  const records = await target.retrieve({ ids: hits.map((h) => h.id), with_payload: withPayload ?? false, with_vector: withVector ?? false });
  const byKey = new Map(records.map((r) => [keyOf(r.id), r]));
  const out: QueryPoint[] = [];
  for (const hit of hits) {
    const record = byKey.get(keyOf(hit.id));
    if (record === undefined) continue; // deleted while the query ran
    out.push({
      ...hit,
      ...(record.payload === undefined ? {} : { payload: record.payload }),
      ...(record.vector === undefined ? {} : { vector: record.vector }),
    });
  }
  return out;
}

/**
 * Executes a plan; the result is the `points` of Qdrant's QueryResponse.
 * @param pageSize rows per engine scroll call when ordering by payload (the engine's search limit)
 */
export async function executeQuery(target: QueryTarget, plan: QueryPlan, pageSize: number): Promise<QueryPoint[]> {
  const top: TopLevel = { offset: plan.offset, withPayload: plan.withPayload, withVector: plan.withVector };
  const result = await runStage(target, plan, undefined, top, pageSize);
  if (result.projected) return result.hits;
  return project(target, result.hits.slice(plan.offset, plan.offset + plan.limit), plan.withPayload, plan.withVector);
}
