// Randomized property test (seeded): for random payloads and random filters over every
// condition type, the candidates from the payload indexes are a superset of the brute-force
// matches, evaluating the filter on the candidates gives exactly the brute-force matches,
// and the cardinality estimate brackets the true count. Also after random updates and deletes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilter, type Filter } from '../../../src/core/filter/index.js';
import { PayloadIndexSet } from '../../../src/core/payload-index/index.js';
import type { Payload, PointId } from '../../../src/core/types.js';
import { mulberry32 } from '../../helpers/random.js';

type Rand = () => number;

const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)];
const int = (rand: Rand, min: number, max: number): number => min + Math.floor(rand() * (max - min + 1));
const several = <T>(rand: Rand, max: number, make: () => T): T[] => Array.from({ length: int(rand, 0, max) }, make);

const WORDS = ['a', 'b', 'c', 'ab', 'abc', 'd', 'e'];
const VOCABULARY = ['quick', 'Brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'quickly', 'FOX'];
const UUIDS = ['550e8400-e29b-41d4-a716-446655440000', '6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'f47ac10b-58cc-4372-a567-0e02b2c3d479'];
const CENTERS = [
  { lon: 13.4, lat: 52.5 }, // Berlin
  { lon: 179.95, lat: 0 }, // by the antimeridian
  { lon: -179.95, lat: 0.01 },
  { lon: 0, lat: 89.9 }, // by the pole
];
const BASE_MS = Date.UTC(2024, 0, 1);
const DAY_MS = 86_400_000;

/** A payload value shaped like the ones users store, sometimes of the wrong type. */
function scalarOrArray<T>(rand: Rand, make: () => T): unknown {
  const roll = rand();
  if (roll < 0.08) return undefined;
  if (roll < 0.14) return null;
  if (roll < 0.35) return several(rand, 3, make);
  return make();
}

function uuidSpelling(rand: Rand, uuid: string): string {
  return pick(rand, [uuid, uuid.toUpperCase(), uuid.replaceAll('-', ''), `{${uuid}}`]);
}

function datetimeText(rand: Rand): string {
  const ms = BASE_MS + Math.floor(rand() * 10 * DAY_MS);
  const offsetMinutes = pick(rand, [0, 60, -300, 330, 840, -720]);
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return pick(rand, [`${local}Z`, local, local.replace('T', ' '), `${local}+00:00`]);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return pick(rand, [`${local}${sign}${hh}:${mm}`, `${local}${sign}${hh}${mm}`]);
}

function geoPoint(rand: Rand): unknown {
  if (rand() < 0.05) return { lon: 200, lat: 0 }; // out of range, still a geo value
  if (rand() < 0.05) return { lat: 1 };
  if (rand() < 0.2) return { lon: rand() * 360 - 180, lat: rand() * 180 - 90 }; // anywhere
  const center = pick(rand, CENTERS);
  const lon = center.lon + (rand() - 0.5) * 1.5;
  return { lon: lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon, lat: Math.min(90, center.lat + (rand() - 0.5) * 1.5) };
}

function randomPayload(rand: Rand): Payload {
  const fields: Record<string, unknown> = {
    kw: rand() < 0.05 ? 7 : scalarOrArray(rand, () => pick(rand, WORDS)),
    num: rand() < 0.05 ? '3' : scalarOrArray(rand, () => (rand() < 0.7 ? int(rand, -10, 10) : Math.round((rand() * 20 - 10) * 4) / 4)),
    flt: scalarOrArray(rand, () => rand() * 10),
    flag: rand() < 0.05 ? 'true' : scalarOrArray(rand, () => rand() < 0.5),
    ts: rand() < 0.05 ? 'garbage' : scalarOrArray(rand, () => datetimeText(rand)),
    loc: scalarOrArray(rand, () => geoPoint(rand)),
    txt: scalarOrArray(rand, () => several(rand, 5, () => pick(rand, VOCABULARY)).join(pick(rand, [' ', ', ', '-']))),
    ref: scalarOrArray(rand, () => (rand() < 0.1 ? 'not-a-uuid' : uuidSpelling(rand, pick(rand, UUIDS)))),
    items: rand() < 0.1 ? { k: 'a', n: 1 } : scalarOrArray(rand, () => ({ k: pick(rand, WORDS), n: int(rand, 0, 5) })),
    un: scalarOrArray(rand, () => (rand() < 0.5 ? int(rand, 0, 3) : pick(rand, WORDS))),
  };
  const payload: Payload = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) payload[key] = value;
  return payload;
}

const INDEXES: Record<string, unknown> = {
  kw: 'keyword',
  num: 'integer',
  flt: { type: 'float' },
  flag: 'bool',
  ts: 'datetime',
  loc: 'geo',
  txt: 'text',
  ref: 'uuid',
  'items[].k': 'keyword',
  'items[].n': { type: 'integer', lookup: true, range: true },
};
const KEYS = ['kw', 'num', 'flt', 'flag', 'ts', 'loc', 'txt', 'ref', 'un', 'missing'];

/** A random field condition (Qdrant JSON) on a random key, often of a mismatched type. */
function randomFieldCondition(rand: Rand, keys: readonly string[]): unknown {
  const key = pick(rand, keys);
  switch (int(rand, 0, 15)) {
    case 0:
      return { key, match: { value: pick(rand, [pick(rand, WORDS), int(rand, -3, 5), rand() < 0.5]) } };
    case 1:
      return { key, match: { any: rand() < 0.5 ? several(rand, 3, () => pick(rand, WORDS)) : several(rand, 3, () => int(rand, -3, 5)) } };
    case 2:
      return { key, match: { except: rand() < 0.5 ? several(rand, 3, () => pick(rand, WORDS)) : several(rand, 3, () => int(rand, -3, 5)) } };
    case 3:
      return { key, match: { [pick(rand, ['text', 'text_any', 'phrase'])]: several(rand, 2, () => pick(rand, VOCABULARY)).join(' ') } };
    case 4:
      return { key, match: { prefix: pick(rand, ['a', 'ab', '', 'Q', uuidSpelling(rand, pick(rand, UUIDS)).slice(0, 4)]) } };
    case 5:
      return { key, match: { value: uuidSpelling(rand, pick(rand, UUIDS)) } };
    case 6: {
      const range: Record<string, number> = {};
      for (const bound of ['gt', 'gte', 'lt', 'lte']) if (rand() < 0.4) range[bound] = int(rand, -12, 12) / 2;
      return { key, range };
    }
    case 7: {
      const range: Record<string, string> = {};
      for (const bound of ['gt', 'gte', 'lt', 'lte']) if (rand() < 0.4) range[bound] = datetimeText(rand);
      return Object.keys(range).length === 0 ? { key, range: { gte: datetimeText(rand) } } : { key, range };
    }
    case 8: {
      const center = rand() < 0.3 ? { lon: rand() * 360 - 180, lat: rand() * 180 - 90 } : pick(rand, CENTERS);
      return { key, geo_radius: { center, radius: pick(rand, [1_000, 30_000, 80_000, 3_000_000, 8_000_000]) } };
    }
    case 9: {
      const center = pick(rand, CENTERS);
      const half = pick(rand, [0.2, 0.6, 1]);
      const wrap = (lon: number) => (lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon);
      return {
        key,
        geo_bounding_box: {
          top_left: { lon: wrap(center.lon - half), lat: Math.min(90, center.lat + half) },
          bottom_right: { lon: wrap(center.lon + half), lat: Math.max(-90, center.lat - half) },
        },
      };
    }
    case 10: {
      const center = pick(rand, CENTERS.slice(0, 1));
      const ring = (h: number) => ({
        points: [
          { lon: center.lon - h, lat: center.lat - h },
          { lon: center.lon + h, lat: center.lat - h },
          { lon: center.lon + h, lat: center.lat + h },
          { lon: center.lon - h, lat: center.lat + h },
          { lon: center.lon - h, lat: center.lat - h },
        ],
      });
      return { key, geo_polygon: { exterior: ring(0.6), interiors: rand() < 0.5 ? [ring(0.2)] : null } };
    }
    case 11:
      return { key, values_count: rand() < 0.5 ? { gte: int(rand, 0, 3) } : { lt: int(rand, 0, 3) } };
    case 12:
      return { is_empty: { key } };
    case 13:
      return { is_null: { key } };
    case 14:
      return { key, [pick(rand, ['is_empty', 'is_null'])]: rand() < 0.5 };
    default:
      return { key, match: { value: pick(rand, WORDS) } };
  }
}

function randomCondition(rand: Rand, ids: readonly PointId[], depth: number, inNested: boolean): unknown {
  const roll = rand();
  if (depth < 3 && roll < 0.12) return randomFilter(rand, ids, depth + 1, inNested);
  if (depth < 3 && !inNested && roll < 0.22) {
    return { nested: { key: pick(rand, ['items', 'items[]']), filter: randomFilter(rand, ids, depth + 1, true) } };
  }
  if (!inNested && roll < 0.3) return { has_id: several(rand, 6, () => pick(rand, ids)).concat(rand() < 0.3 ? [999_999] : []) };
  if (!inNested && roll < 0.33) return { slice: { index: int(rand, 0, 2), total: 3 } };
  return randomFieldCondition(rand, inNested ? ['k', 'n', 'missing'] : KEYS);
}

function randomFilter(rand: Rand, ids: readonly PointId[], depth = 1, inNested = false): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  const clause = () => {
    const conditions = several(rand, 3, () => randomCondition(rand, ids, depth, inNested));
    return conditions.length === 1 && rand() < 0.5 ? conditions[0] : conditions;
  };
  if (rand() < 0.7) filter.must = clause();
  if (rand() < 0.35) filter.should = clause();
  if (rand() < 0.25) filter.must_not = clause();
  if (rand() < 0.2) {
    const conditions = Array.from({ length: int(rand, 1, 4) }, () => randomCondition(rand, ids, depth, inNested));
    filter.min_should = { conditions, min_count: int(rand, 1, conditions.length + 1) };
  }
  return filter;
}

interface Dataset {
  readonly indexes: PayloadIndexSet;
  readonly ids: PointId[];
  readonly payloads: (Payload | undefined)[];
  readonly resolveIds: (ids: readonly PointId[]) => number[];
}

function buildDataset(rand: Rand, size: number, textSchema: unknown): Dataset {
  // Point ids mix integers and UUIDs; internal ids are positions.
  const ids: PointId[] = Array.from({ length: size }, (_, i) => (i % 5 === 0 ? `${String(i).padStart(8, '0')}-0000-4000-8000-000000000000` : i * 3));
  const payloads: (Payload | undefined)[] = Array.from({ length: size }, () => randomPayload(rand));
  const indexes = new PayloadIndexSet();
  // Half the indexes exist before the points arrive, half are built over them.
  const entries = Object.entries({ ...INDEXES, txt: textSchema });
  entries.slice(0, 5).forEach(([field, schema]) => indexes.createIndex(field, schema));
  payloads.forEach((payload, id) => indexes.add(id, payload ?? {}));
  const existing = payloads.map((payload, id) => [id, payload ?? {}] as const);
  entries.slice(5).forEach(([field, schema]) => indexes.createIndex(field, schema, existing));
  const internal = new Map<PointId, number>(ids.map((id, internalId) => [id, internalId]));
  const resolveIds = (wanted: readonly PointId[]) =>
    wanted.map((id) => internal.get(id)).filter((id): id is number => id !== undefined && payloads[id] !== undefined);
  return { indexes, ids, payloads, resolveIds };
}

function mutate(rand: Rand, dataset: Dataset): void {
  dataset.payloads.forEach((payload, id) => {
    if (payload === undefined) return;
    const roll = rand();
    if (roll < 0.25) {
      dataset.indexes.remove(id, payload);
      const next = randomPayload(rand);
      dataset.payloads[id] = next;
      dataset.indexes.add(id, next);
    } else if (roll < 0.35) {
      dataset.indexes.remove(id, payload);
      dataset.payloads[id] = undefined; // deleted
    }
  });
}

interface Coverage {
  filters: number;
  narrowed: number;
  strictlyNarrowed: number;
  nonEmpty: number;
}

function checkProperties(rand: Rand, dataset: Dataset, filters: number, coverage: Coverage): void {
  const { indexes, ids, payloads, resolveIds } = dataset;
  const live = payloads.flatMap((payload, id) => (payload === undefined ? [] : [id]));
  for (let f = 0; f < filters; f++) {
    const json = randomFilter(rand, ids);
    let filter: Filter;
    try {
      filter = parseFilter(json);
    } catch (error) {
      assert.fail(`generated filter failed to parse: ${(error as Error).message}\n${JSON.stringify(json)}`);
    }
    const matcher = indexes.compileFilter(filter);
    const accepts = (id: number) => matcher({ id: ids[id], payload: payloads[id] ?? {} });
    const brute = live.filter(accepts);
    const context = () => `filter ${JSON.stringify(json)}`;

    const candidates = indexes.candidates(filter, resolveIds);
    coverage.filters++;
    if (brute.length > 0) coverage.nonEmpty++;
    if (candidates !== undefined) {
      coverage.narrowed++;
      for (let i = 1; i < candidates.length; i++) assert.ok(candidates[i - 1] < candidates[i], `candidates sorted and unique: ${context()}`);
      const set = new Set(candidates);
      const missing = brute.filter((id) => !set.has(id));
      assert.deepEqual(missing, [], `candidates miss matches ${missing.join(',')}: ${context()}`);
      const liveSet = new Set(live);
      const viaIndex = Array.from(candidates).filter((id) => liveSet.has(id) && accepts(id));
      assert.deepEqual(viaIndex, brute, `evaluation through indexes equals brute force: ${context()}`);
      if (candidates.length < live.length) coverage.strictlyNarrowed++;
    }

    const estimate = indexes.estimateCardinality(filter, live.length, resolveIds);
    assert.ok(estimate.min <= brute.length && brute.length <= estimate.max, `estimate ${JSON.stringify(estimate)} brackets ${brute.length}: ${context()}`);
    assert.ok(estimate.min <= estimate.expected && estimate.expected <= estimate.max, `estimate is ordered ${JSON.stringify(estimate)}`);
  }
}

for (const [seed, textSchema] of [
  [1, 'text'],
  [2, { type: 'text', tokenizer: 'prefix', min_token_len: 2 }],
  [3, { type: 'text', tokenizer: 'whitespace', lowercase: false }],
] as const) {
  test(`candidates ⊇ matches and index evaluation = brute force (seed ${seed})`, () => {
    const rand = mulberry32(seed);
    const dataset = buildDataset(rand, 400, textSchema);
    const coverage: Coverage = { filters: 0, narrowed: 0, strictlyNarrowed: 0, nonEmpty: 0 };
    checkProperties(rand, dataset, 700, coverage);
    mutate(rand, dataset);
    checkProperties(rand, dataset, 700, coverage);
    // The generator must exercise the interesting paths, not just trivially pass.
    assert.ok(coverage.strictlyNarrowed > coverage.filters * 0.15, `narrowed ${JSON.stringify(coverage)}`);
    assert.ok(coverage.nonEmpty > coverage.filters * 0.3, `non-empty results ${JSON.stringify(coverage)}`);
  });
}
