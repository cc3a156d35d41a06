// Payload indexes: schema input forms, what each index answers, updates, payload_schema
// info and cardinality estimates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilter } from '../../../src/core/filter/index.js';
import {
  PayloadIndexSet,
  createTokenizer,
  parsePayloadFieldSchema,
  textIndexOptions,
} from '../../../src/core/payload-index/index.js';
import type { Payload } from '../../../src/core/types.js';

function rejects(input: unknown, message: RegExp): void {
  assert.throws(() => parsePayloadFieldSchema(input), { name: 'RvError', code: 'RV_PAYLOAD_INDEX_INVALID', kind: 'invalid_argument', message });
}

/** An index set over `payloads` (internal id = position) with the given field schemas. */
function build(schemas: Record<string, unknown>, payloads: Payload[]): PayloadIndexSet {
  const indexes = new PayloadIndexSet();
  for (const [field, schema] of Object.entries(schemas)) indexes.createIndex(field, schema);
  payloads.forEach((payload, id) => indexes.add(id, payload));
  return indexes;
}

function candidates(indexes: PayloadIndexSet, filter: unknown): number[] | undefined {
  const ids = indexes.candidates(parseFilter(filter));
  return ids === undefined ? undefined : Array.from(ids);
}

test('field schemas accept the bare name and the object form', () => {
  assert.deepEqual(parsePayloadFieldSchema('keyword'), { type: 'keyword' });
  assert.deepEqual(parsePayloadFieldSchema({ type: 'keyword', is_tenant: true, on_disk: null }), { type: 'keyword', params: { type: 'keyword', is_tenant: true } });
  assert.deepEqual(parsePayloadFieldSchema({ type: 'integer', lookup: false, range: true, memory: 'cold' }).params, { type: 'integer', lookup: false, range: true, memory: 'cold' });
  const text = parsePayloadFieldSchema({ type: 'text', tokenizer: 'whitespace', lowercase: false, min_token_len: 2, stopwords: { custom: ['the'] }, stemmer: { type: 'none' } });
  assert.deepEqual(textIndexOptions(text), { tokenizer: 'whitespace', minTokenLength: 2, maxTokenLength: undefined, lowercase: false, asciiFolding: false, stopwords: ['the'], phraseMatching: false });
  assert.deepEqual(textIndexOptions(parsePayloadFieldSchema('text')), { tokenizer: 'word', minTokenLength: undefined, maxTokenLength: undefined, lowercase: true, asciiFolding: false, stopwords: [], phraseMatching: false });
  for (const type of ['keyword', 'integer', 'float', 'geo', 'text', 'bool', 'datetime', 'uuid']) assert.equal(parsePayloadFieldSchema(type).type, type);
});

test('bad field schemas are rejected with the offending key', () => {
  rejects('keywrd', /^field_schema: unknown payload schema type "keywrd" \(expected one of "keyword", "integer"/);
  rejects(7, /^field_schema: expected one of .* or an object with "type" and its parameters, got number$/);
  rejects({}, /^field_schema\.type is required \(expected keyword, integer, float, geo, text, bool, datetime, uuid\)$/);
  rejects({ type: 'vector' }, /^field_schema\.type: unknown payload schema type "vector"/);
  rejects({ type: 'keyword', lookup: true }, /^field_schema: unknown key "lookup" for a keyword index \(expected type, on_disk, memory, enable_hnsw, is_tenant, prefix\)$/);
  rejects({ type: 'integer', lookup: 'yes' }, /^field_schema\.lookup: expected a boolean, got string$/);
  rejects({ type: 'integer', lookup: false, range: false }, /cannot both be false/);
  rejects({ type: 'text', tokenizer: 'ngram' }, /^field_schema\.tokenizer: expected one of prefix, whitespace, word, multilingual, got "ngram"$/);
  rejects({ type: 'text', min_token_len: -1 }, /^field_schema\.min_token_len: expected a non-negative integer, got -1$/);
  rejects({ type: 'text', min_token_len: 5, max_token_len: 2 }, /"min_token_len" \(5\) must not exceed "max_token_len" \(2\)/);
  rejects({ type: 'text', stopwords: 'english' }, /^field_schema\.stopwords: predefined stopword lists \("english"\) are not supported/);
  rejects({ type: 'text', stopwords: { languages: ['english'] } }, /stopwords\.languages: predefined stopword lists are not supported/);
  rejects({ type: 'text', stemmer: { type: 'snowball', language: 'english' } }, /Snowball stemming is not supported/);
  rejects({ type: 'geo', memory: 'ram' }, /^field_schema\.memory: expected one of cold, cached, pinned, got "ram"$/);
});

test('createIndex rejects a bad field name, and re-creating the same index is a no-op', () => {
  const indexes = new PayloadIndexSet();
  assert.throws(() => indexes.createIndex('a..b', 'keyword'), { code: 'RV_PAYLOAD_INDEX_INVALID', message: /^field_name: "a\.\.b" is not a valid payload key/ });
  assert.equal(indexes.createIndex('a', 'keyword'), true);
  assert.equal(indexes.createIndex('"a"', { type: 'keyword' }), true, 'object form differs from the bare name (params are echoed)');
  assert.equal(indexes.createIndex('a', { type: 'keyword' }), false);
  assert.equal(indexes.has('a'), true);
  assert.equal(indexes.has('"a"'), true, 'names are compared in canonical form');
  assert.equal(indexes.dropIndex('a'), true);
  assert.equal(indexes.dropIndex('a'), false);
  assert.equal(indexes.has('a'), false);
});

test('createIndex fills the new index from existing points', () => {
  const indexes = new PayloadIndexSet();
  const points: [number, Payload][] = [[3, { c: 'x' }], [7, { c: ['x', 'y'] }], [9, {}]];
  indexes.createIndex('c', 'keyword', points);
  assert.deepEqual(candidates(indexes, { must: { key: 'c', match: { value: 'x' } } }), [3, 7]);
  assert.deepEqual(indexes.schemaInfo(), { c: { data_type: 'keyword', points: 2 } });
});

test('schemaInfo reports type, params as given and points indexed', () => {
  const indexes = build({ city: 'keyword', price: { type: 'float', is_principal: true } }, [{ city: 'A', price: 1 }, { city: ['A', 'B'] }, { price: 'n/a' }]);
  assert.deepEqual(indexes.schemaInfo(), {
    city: { data_type: 'keyword', points: 2 },
    price: { data_type: 'float', params: { type: 'float', is_principal: true }, points: 1 },
  });
});

test('keyword: match.value, match.any and match.prefix', () => {
  const indexes = build({ tag: 'keyword' }, [{ tag: 'red' }, { tag: ['red', 'blue'] }, { tag: 'green' }, { tag: 5 }, {}, { tag: 'reddish' }]);
  assert.deepEqual(candidates(indexes, { must: { key: 'tag', match: { value: 'red' } } }), [0, 1]);
  assert.deepEqual(candidates(indexes, { must: { key: 'tag', match: { any: ['blue', 'green'] } } }), [1, 2]);
  assert.deepEqual(candidates(indexes, { must: { key: 'tag', match: { prefix: 'red' } } }), [0, 1, 5]);
  assert.deepEqual(candidates(indexes, { must: { key: 'tag', match: { value: 'none' } } }), []);
  assert.equal(candidates(indexes, { must: { key: 'tag', match: { value: 5 } } }), undefined, 'integers are not held by a keyword index');
  assert.equal(candidates(indexes, { must: { key: 'tag', match: { except: ['red'] } } }), undefined);
  assert.equal(candidates(indexes, { must: { key: 'other', match: { value: 'red' } } }), undefined);
});

test('integer and float: exact lookups and ranges over every number', () => {
  const indexes = build({ n: 'integer', f: 'float' }, [{ n: 1, f: 0.5 }, { n: 2.5, f: [1.5, 9] }, { n: [3, 10] }, { n: '4', f: -1 }, { n: -7 }]);
  assert.deepEqual(candidates(indexes, { must: { key: 'n', match: { value: 3 } } }), [2]);
  assert.deepEqual(candidates(indexes, { must: { key: 'n', match: { any: [1, 10, 99] } } }), [0, 2]);
  assert.deepEqual(candidates(indexes, { must: { key: 'n', range: { gt: 1, lte: 3 } } }), [1, 2], '2.5 is found by an integer index too');
  assert.deepEqual(candidates(indexes, { must: { key: 'n', range: { lt: 0 } } }), [4]);
  assert.deepEqual(candidates(indexes, { must: { key: 'f', range: { gte: 1 } } }), [1]);
  assert.deepEqual(candidates(indexes, { must: { key: 'f', range: {} } }), [0, 1, 3]);
});

test('datetime: ranges over instants across time zones', () => {
  const indexes = build({ t: 'datetime' }, [
    { t: '2024-01-01T00:00:00Z' },
    { t: '2024-01-01T01:30:00+02:00' }, // 2023-12-31T23:30Z
    { t: ['2023-06-01', 'garbage'] },
    { t: 1704067200 },
  ]);
  assert.deepEqual(candidates(indexes, { must: { key: 't', range: { gte: '2023-12-31T23:00:00Z' } } }), [0, 1]);
  assert.deepEqual(candidates(indexes, { must: { key: 't', range: { lt: '2024-01-01T00:00:00+00:00' } } }), [1, 2]);
  assert.equal(candidates(indexes, { must: { key: 't', range: { gte: 0 } } }), undefined, 'a numeric range is not served by a datetime index');
});

test('bool and uuid indexes', () => {
  const indexes = build({ ok: 'bool', ref: 'uuid' }, [
    { ok: true, ref: '550e8400-e29b-41d4-a716-446655440000' },
    { ok: [false, true], ref: '550E8400E29B41D4A716446655440000' },
    { ok: 'true', ref: 'not-a-uuid' },
  ]);
  assert.deepEqual(candidates(indexes, { must: { key: 'ok', match: { value: true } } }), [0, 1]);
  assert.deepEqual(candidates(indexes, { must: { key: 'ok', match: { value: false } } }), [1]);
  assert.deepEqual(candidates(indexes, { must: { key: 'ref', match: { value: '{550E8400-E29B-41D4-A716-446655440000}' } } }), [0, 1]);
  assert.equal(candidates(indexes, { must: { key: 'ref', match: { value: 'not-a-uuid' } } }), undefined, 'non-UUID strings are not held');
});

test('text: all tokens for text, any for text_any, prefix tokenizer by prefix', () => {
  const payloads = [{ d: 'The quick brown fox' }, { d: ['quick', 'dog'] }, { d: 'Quickly, brown!' }, { d: 7 }];
  const indexes = build({ d: 'text' }, payloads);
  assert.deepEqual(candidates(indexes, { must: { key: 'd', match: { text: 'QUICK brown' } } }), [0]);
  assert.deepEqual(candidates(indexes, { must: { key: 'd', match: { text_any: 'dog fox' } } }), [0, 1]);
  assert.deepEqual(candidates(indexes, { must: { key: 'd', match: { phrase: 'brown fox' } } }), [0]);
  assert.deepEqual(candidates(indexes, { must: { key: 'd', match: { text: '...' } } }), [], 'no tokens, no match');
  const matcher = indexes.compileFilter(parseFilter({ must: { key: 'd', match: { text: 'quick' } } }));
  assert.deepEqual(payloads.map((payload, id) => matcher({ id, payload })), [true, true, false, false], 'token semantics once indexed');
  const prefix = build({ d: { type: 'text', tokenizer: 'prefix' } }, payloads);
  assert.deepEqual(candidates(prefix, { must: { key: 'd', match: { text: 'qui bro' } } }), [0, 2]);
});

test('tokenizers: word, whitespace, folding, stopwords and token lengths', () => {
  const tokenize = (schema: Record<string, unknown>, text: string) => createTokenizer(textIndexOptions(parsePayloadFieldSchema({ type: 'text', ...schema }))).tokenize(text);
  assert.deepEqual(tokenize({}, 'Hello, World! e-mail 42x'), ['hello', 'world', 'e', 'mail', '42x']);
  assert.deepEqual(tokenize({ tokenizer: 'whitespace' }, 'Hello, World!  e-mail'), ['hello,', 'world!', 'e-mail']);
  assert.deepEqual(tokenize({ lowercase: false }, 'Hello World'), ['Hello', 'World']);
  assert.deepEqual(tokenize({ ascii_folding: true }, 'Ação Straße Øre'), ['acao', 'strasse', 'ore']);
  assert.deepEqual(tokenize({ stopwords: { custom: ['The', 'a'] } }, 'the cat and a hat'), ['cat', 'and', 'hat']);
  assert.deepEqual(tokenize({ min_token_len: 3, max_token_len: 4 }, 'a cat jumps overboard'), ['cat']);
  assert.deepEqual(tokenize({ tokenizer: 'prefix', max_token_len: 4 }, 'overboard'), ['over'], 'prefix keeps long words by their prefix');
  assert.deepEqual(tokenize({ tokenizer: 'multilingual' }, 'Hello, мир! 42'), ['hello', 'мир', '42']);
});

test('geo: cells around the shape, then the exact test decides', () => {
  const berlin = { lon: 13.404954, lat: 52.520008 };
  const payloads: Payload[] = [
    { loc: berlin },
    { loc: { lon: 13.064473, lat: 52.390569 } }, // Potsdam, ~27 km
    { loc: [{ lon: 2.35, lat: 48.85 }, { lon: 13.41, lat: 52.52 }] }, // Paris and Berlin
    { loc: { lon: -73.99, lat: 40.75 } }, // New York
    { loc: { lon: 400, lat: 0 } }, // out of range: kept aside, always a candidate
    { loc: 'Berlin' },
  ];
  const indexes = build({ loc: 'geo' }, payloads);
  const radius = { must: { key: 'loc', geo_radius: { center: berlin, radius: 10_000 } } };
  const ids = candidates(indexes, radius);
  assert.ok(ids !== undefined);
  for (const id of [0, 2, 4]) assert.ok(ids.includes(id), `candidate ${id}`);
  assert.ok(!ids.includes(3), 'New York is not near a Berlin cell');
  const matcher = indexes.compileFilter(parseFilter(radius));
  assert.deepEqual(ids.filter((id) => matcher({ id, payload: payloads[id] })), [0, 2]);
  const usa = { must: { key: 'loc', geo_bounding_box: { top_left: { lon: 167, lat: 74 }, bottom_right: { lon: -66, lat: 18 } } } };
  assert.deepEqual(candidates(indexes, usa), [3, 4]);
  assert.equal(indexes.estimateCardinality(parseFilter(usa), payloads.length).min, 0);
});

test('remove takes out what add put in, and updates keep counts right', () => {
  const indexes = build({ c: 'keyword', n: 'integer', d: 'text', t: 'datetime', l: 'geo', b: 'bool' }, []);
  const old: Payload = { c: ['x', 'y'], n: [1, 2], d: 'hello world', t: '2024-01-01', l: { lon: 1, lat: 1 }, b: true };
  indexes.add(5, old);
  indexes.add(6, { c: 'x' });
  assert.deepEqual(candidates(indexes, { must: { key: 'c', match: { value: 'x' } } }), [5, 6]);
  indexes.remove(5, old);
  indexes.add(5, { c: 'z' });
  assert.deepEqual(candidates(indexes, { must: { key: 'c', match: { value: 'x' } } }), [6]);
  assert.deepEqual(candidates(indexes, { must: { key: 'c', match: { value: 'z' } } }), [5]);
  assert.deepEqual(candidates(indexes, { must: { key: 'n', range: { gte: 0 } } }), []);
  assert.deepEqual(candidates(indexes, { must: { key: 'd', match: { text: 'hello' } } }), []);
  assert.deepEqual(candidates(indexes, { must: { key: 't', range: { gte: '2000-01-01' } } }), []);
  assert.deepEqual(candidates(indexes, { must: { key: 'b', match: { value: true } } }), []);
  assert.deepEqual(candidates(indexes, { must: { key: 'l', geo_radius: { center: { lon: 1, lat: 1 }, radius: 1000 } } }), []);
  const points = Object.fromEntries(Object.entries(indexes.schemaInfo()).map(([field, info]) => [field, info.points]));
  assert.deepEqual(points, { c: 2, n: 0, d: 0, t: 0, l: 0, b: 0 });
});

test('an integer index survives many random inserts and deletes (chunks split and emptied)', () => {
  const indexes = build({ n: 'integer' }, []);
  const values = new Map<number, number>();
  let seed = 1;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let step = 0; step < 5000; step++) {
    const id = Math.floor(next() * 1500);
    const old = values.get(id);
    if (old !== undefined) indexes.remove(id, { n: old });
    if (next() < 0.8) {
      const value = Math.floor(next() * 200) - 100;
      indexes.add(id, { n: value });
      values.set(id, value);
    } else {
      values.delete(id);
    }
  }
  for (const [lo, hi] of [[-100, 100], [-5, 5], [0, 0], [50, 49]]) {
    const expected = [...values].filter(([, v]) => v >= lo && v <= hi).map(([id]) => id).sort((a, b) => a - b);
    assert.deepEqual(candidates(indexes, { must: { key: 'n', range: { gte: lo, lte: hi } } }), expected, `[${lo}, ${hi}]`);
    const estimate = indexes.estimateCardinality(parseFilter({ must: { key: 'n', range: { gte: lo, lte: hi } } }), values.size);
    assert.deepEqual([estimate.min, estimate.max], [expected.length, expected.length], 'single-valued: the count is exact');
  }
});

test('candidates: must intersects, should unions only when every branch is indexed, must_not never narrows', () => {
  const indexes = build({ a: 'keyword', b: 'keyword' }, [{ a: 'x', b: 'y' }, { a: 'x' }, { b: 'y' }, { a: 'z', c: 1 }]);
  const a = { key: 'a', match: { value: 'x' } };
  const b = { key: 'b', match: { value: 'y' } };
  const c = { key: 'c', match: { value: 1 } };
  assert.deepEqual(candidates(indexes, { must: [a, b] }), [0]);
  assert.deepEqual(candidates(indexes, { must: [a, c] }), [0, 1], 'the unindexed condition is left to the evaluator');
  assert.deepEqual(candidates(indexes, { should: [a, b] }), [0, 1, 2]);
  assert.equal(candidates(indexes, { should: [a, c] }), undefined);
  assert.equal(candidates(indexes, { must_not: [a] }), undefined);
  assert.deepEqual(candidates(indexes, { must: b, must_not: a }), [0, 2]);
  assert.deepEqual(candidates(indexes, { min_should: { conditions: [a, b, c], min_count: 2 } }), [0, 1, 2], 'one unindexed: one indexed hit suffices');
  assert.deepEqual(candidates(indexes, { min_should: { conditions: [a, b], min_count: 2 } }), [0]);
  assert.deepEqual(candidates(indexes, { min_should: { conditions: [a], min_count: 2 } }), []);
  assert.deepEqual(candidates(indexes, { should: [] }) ?? [], [], 'an empty should matches nothing (Qdrant)');
  assert.deepEqual(candidates(indexes, { must: { should: [a, b], must: b } }), [0, 2], 'sub-filters recurse');
});

test('candidates: has_id through resolveIds, nested through the joined key', () => {
  const indexes = build({ 'items[].kind': 'keyword' }, [{ items: [{ kind: 'a', n: 1 }] }, { items: [{ kind: 'b' }] }, { items: { kind: 'a' } }]);
  const resolve = (ids: readonly (number | string)[]) => ids.filter((id): id is number => typeof id === 'number' && id < 3).map((id) => 2 - id);
  const filter = parseFilter({ must: { has_id: [0, 1, 99] } });
  assert.deepEqual(Array.from(indexes.candidates(filter, resolve) ?? []), [1, 2]);
  assert.equal(indexes.candidates(filter), undefined, 'without resolveIds ids cannot narrow');
  assert.deepEqual(indexes.estimateCardinality(filter, 3, resolve), { min: 2, expected: 2, max: 2 });
  const nested = { must: { nested: { key: 'items', filter: { must: [{ key: 'kind', match: { value: 'a' } }, { key: 'n', match: { value: 1 } }] } } } };
  assert.deepEqual(candidates(indexes, nested), [0]);
  assert.deepEqual(candidates(indexes, { must: { key: 'items[].kind', match: { value: 'a' } } }), [0]);
});

test('estimates: exact for an indexed match, unknown for the rest, combined by the clause rules', () => {
  const payloads = Array.from({ length: 100 }, (_, i) => ({ k: i < 10 ? 'rare' : 'common', n: i }));
  const indexes = build({ k: 'keyword', n: 'integer' }, payloads);
  const estimate = (filter: unknown) => indexes.estimateCardinality(parseFilter(filter), 100);
  assert.deepEqual(estimate({}), { min: 100, expected: 100, max: 100 });
  assert.deepEqual(estimate({ must: { key: 'k', match: { value: 'rare' } } }), { min: 10, expected: 10, max: 10 });
  assert.deepEqual(estimate({ must: { key: 'x', match: { value: 1 } } }), { min: 0, expected: 50, max: 100 });
  assert.deepEqual(estimate({ must_not: { key: 'k', match: { value: 'rare' } } }), { min: 90, expected: 90, max: 90 });
  assert.deepEqual(estimate({ should: [{ key: 'k', match: { value: 'rare' } }, { key: 'k', match: { value: 'common' } }] }), { min: 90, expected: 91, max: 100 }, 'expected assumes independence');
  const both = estimate({ must: [{ key: 'k', match: { value: 'rare' } }, { key: 'n', range: { lt: 50 } }] });
  assert.deepEqual([both.min, both.max], [0, 10]);
  assert.equal(both.expected, 5);
  const atLeast = estimate({ min_should: { conditions: [{ key: 'n', range: { lt: 60 } }, { key: 'n', range: { gte: 50 } }], min_count: 2 } });
  assert.equal(atLeast.min, 10, 'inclusion–exclusion: 60 + 50 − 100');
  assert.equal(atLeast.max, 55);
});

test('save() is JSON-serialisable', () => {
  const indexes = build(
    { k: 'keyword', n: 'integer', t: 'datetime', d: 'text', l: 'geo', b: 'bool', u: 'uuid' },
    [{ k: 'a', n: 1, t: '2024-01-01', d: 'hi there', l: { lon: 1, lat: 2 }, b: true, u: '550e8400-e29b-41d4-a716-446655440000' }],
  );
  const saved = indexes.save();
  assert.deepEqual(JSON.parse(JSON.stringify(saved)), saved);
  assert.deepEqual(Object.keys(saved).sort(), ['b', 'd', 'k', 'l', 'n', 't', 'u']);
});
