// matchesFilter follows Qdrant's semantics for every condition: positive and negative
// cases, arrays, nested objects, null and missing fields, time zones and geo shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMPTY_SHOULD_MATCHES_ALL,
  compileFilter,
  matchesFilter,
  parseFilter,
  type FullTextTokenizer,
} from '../../../src/core/filter/index.js';
import type { PointId } from '../../../src/core/types.js';

/** True when the filter (Qdrant JSON) accepts a point with this payload (and id). */
function accepts(filter: unknown, payload: Record<string, unknown>, id: PointId = 1): boolean {
  return matchesFilter(parseFilter(filter), { id, payload });
}

/** The filter `{must: condition}` against each payload: which of them it accepts. */
function which(condition: unknown, payloads: Record<string, unknown>[]): boolean[] {
  const matcher = compileFilter(parseFilter({ must: condition }));
  return payloads.map((payload) => matcher({ id: 1, payload }));
}

test('the empty filter matches every point', () => {
  assert.equal(accepts({}, {}), true);
  assert.equal(accepts(null, { a: 1 }), true);
});

test('match.value compares strings, integers and booleans, never across types', () => {
  const payloads = [{ v: 'red' }, { v: 'Red' }, { v: 5 }, { v: 5.5 }, { v: true }, { v: '5' }, { v: null }, {}];
  assert.deepEqual(which({ key: 'v', match: { value: 'red' } }, payloads), [true, false, false, false, false, false, false, false]);
  assert.deepEqual(which({ key: 'v', match: { value: 5 } }, payloads), [false, false, true, false, false, false, false, false]);
  assert.deepEqual(which({ key: 'v', match: { value: true } }, payloads), [false, false, false, false, true, false, false, false]);
});

test('a match on an array field passes when any element does, one level deep only', () => {
  const payloads = [{ city: ['Berlin', 'London'] }, { city: ['Berlin', 'Moscow'] }, { city: [['London']] }, { city: [] }];
  assert.deepEqual(which({ key: 'city', match: { value: 'London' } }, payloads), [true, false, false, false]);
  assert.deepEqual(which({ key: 'city', match: { any: ['Moscow', 'Paris'] } }, payloads), [false, true, false, false]);
});

test('match.any takes all strings or all integers', () => {
  const payloads = [{ n: 1 }, { n: 2 }, { n: 1.5 }, { n: '1' }, { n: [7, 3] }];
  assert.deepEqual(which({ key: 'n', match: { any: [1, 3] } }, payloads), [true, false, false, false, true]);
  assert.deepEqual(which({ key: 'n', match: { any: ['1'] } }, payloads), [false, false, false, true, false]);
  assert.deepEqual(which({ key: 'n', match: { any: [] } }, payloads), [false, false, false, false, false]);
});

test('match.except needs some value that is not null and not in the list', () => {
  const payloads = [{ c: 'red' }, { c: 'blue' }, { c: ['red', 'blue'] }, { c: ['red'] }, { c: null }, {}, { c: 5 }, { c: true }, { c: [] }];
  assert.deepEqual(which({ key: 'c', match: { except: ['red', 'black'] } }, payloads), [false, true, true, false, false, false, true, true, false]);
  // Integers: a non-integral number or a string is "not in the list".
  assert.deepEqual(which({ key: 'n', match: { except: [1] } }, [{ n: 1 }, { n: 2 }, { n: 1.5 }, { n: 'x' }]), [false, true, true, true]);
});

test('match.text without a text index is a substring test; text_any any word; phrase a substring', () => {
  const payloads = [{ t: 'The quick brown fox' }, { t: 'quickly' }, { t: ['nothing', 'a brown dog'] }, { t: 42 }];
  assert.deepEqual(which({ key: 't', match: { text: 'quick' } }, payloads), [true, true, false, false]);
  assert.deepEqual(which({ key: 't', match: { text: 'brown fox' } }, payloads), [true, false, false, false]);
  assert.deepEqual(which({ key: 't', match: { text_any: 'fox dog' } }, payloads), [true, false, true, false]);
  assert.deepEqual(which({ key: 't', match: { phrase: 'quick brown' } }, payloads), [true, false, false, false]);
  assert.deepEqual(which({ key: 't', match: { text_any: '   ' } }, payloads), [false, false, false, false]);
});

test('match.prefix is a case-sensitive string prefix', () => {
  assert.deepEqual(which({ key: 'k', match: { prefix: 'ab' } }, [{ k: 'abc' }, { k: 'Abc' }, { k: ['x', 'ab'] }, { k: 1 }]), [true, false, true, false]);
});

test('with a text index, text matching works on tokens as Qdrant does', () => {
  const tokenizer: FullTextTokenizer = { prefixMatch: false, tokenize: (text) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [] };
  const options = { textIndex: (key: string) => (key === 't' ? tokenizer : undefined) };
  const run = (match: unknown, payloads: Record<string, unknown>[]) => {
    const matcher = compileFilter(parseFilter({ must: { key: 't', match } }), options);
    return payloads.map((payload) => matcher({ id: 1, payload }));
  };
  const payloads = [{ t: 'The Quick brown fox' }, { t: 'quickly, brown!' }, { t: ['quick', 'brown'] }];
  assert.deepEqual(run({ text: 'brown QUICK' }, payloads), [true, false, false], 'all tokens, any order, in one string');
  assert.deepEqual(run({ text_any: 'fox quickly' }, payloads), [true, true, false]);
  assert.deepEqual(run({ phrase: 'quick brown' }, payloads), [true, false, false]);
  assert.deepEqual(run({ phrase: 'brown quick' }, payloads), [false, false, false], 'phrase order matters');
  assert.deepEqual(run({ text: '!!!' }, payloads), [false, false, false], 'a query without tokens matches nothing');
  const prefixTokenizer: FullTextTokenizer = { ...tokenizer, prefixMatch: true };
  const prefix = compileFilter(parseFilter({ must: { key: 't', match: { text: 'qui bro' } } }), { textIndex: () => prefixTokenizer });
  assert.equal(prefix({ id: 1, payload: { t: 'quickly, brown!' } }), true);
});

test('range applies to numbers only, with every bound', () => {
  const payloads = [{ p: 10 }, { p: 10.5 }, { p: 20 }, { p: '15' }, { p: [1, 15] }, { p: null }, {}];
  assert.deepEqual(which({ key: 'p', range: { gte: 10, lt: 20 } }, payloads), [true, true, false, false, true, false, false]);
  assert.deepEqual(which({ key: 'p', range: { gt: 10, lte: 20 } }, payloads), [false, true, true, false, true, false, false]);
  assert.deepEqual(which({ key: 'p', range: {} }, payloads), [true, true, true, false, true, false, false]);
});

test('datetime ranges compare instants across time zones and formats', () => {
  const range = { key: 't', range: { gte: '2024-03-01T12:00:00+02:00', lt: '2024-03-01T12:00:00Z' } }; // [10:00Z, 12:00Z)
  const payloads = [
    { t: '2024-03-01T10:00:00Z' }, // equal to gte
    { t: '2024-03-01T09:59:59.999999Z' },
    { t: '2024-03-01T13:59:59+02:00' }, // 11:59:59Z
    { t: '2024-03-01 11:30:00' }, // no offset: UTC
    { t: '2024-03-01T06:00:00-0500' }, // 11:00Z
    { t: '2024-03-01T12:00:00Z' }, // equal to lt
    { t: '2024-03-01' }, // midnight UTC
    { t: 'not a date' },
    { t: 1709287200 },
    { t: ['1999-01-01T00:00:00Z', '2024-03-01T11:00:00.5Z'] },
  ];
  assert.deepEqual(which(range, payloads), [true, false, true, true, true, false, false, false, false, true]);
});

test('values_count counts array elements, 1 for a scalar, 0 for null or a missing key', () => {
  const payloads = [{ a: [1, 2, 3] }, { a: [] }, { a: 'x' }, { a: null }, {}, { a: [[1, 2]] }];
  assert.deepEqual(which({ key: 'a', values_count: { gte: 2 } }, payloads), [true, false, false, false, false, false]);
  assert.deepEqual(which({ key: 'a', values_count: { lt: 1 } }, payloads), [false, true, false, true, true, false]);
  assert.deepEqual(which({ key: 'a', values_count: { gt: 0, lte: 1 } }, payloads), [false, false, true, false, false, true]);
});

test('is_empty: missing, null or []; is_null: null itself', () => {
  const payloads = [{}, { a: null }, { a: [] }, { a: [null] }, { a: 0 }, { a: '' }, { a: {} }, { a: false }];
  assert.deepEqual(which({ is_empty: { key: 'a' } }, payloads), [true, true, true, false, false, false, false, false]);
  assert.deepEqual(which({ is_null: { key: 'a' } }, payloads), [false, true, false, false, false, false, false, false]);
  // The field-condition spelling is the same test, or its negation.
  assert.deepEqual(which({ key: 'a', is_empty: true }, payloads), which({ is_empty: { key: 'a' } }, payloads));
  assert.deepEqual(which({ key: 'a', is_empty: false }, payloads), [false, false, false, true, true, true, true, true]);
  assert.deepEqual(which({ key: 'a', is_null: false }, payloads), [true, false, true, true, true, true, true, true]);
});

test('is_empty and is_null over several values: all empty, any null', () => {
  const payloads = [{ a: [{ b: null }, { b: [] }] }, { a: [{ b: null }, { b: 1 }] }, { a: [{ c: 1 }] }];
  assert.deepEqual(which({ is_empty: { key: 'a[].b' } }, payloads), [true, false, true]);
  assert.deepEqual(which({ is_null: { key: 'a[].b' } }, payloads), [true, true, false]);
});

test('dotted keys descend objects; [] descends arrays; a plain key does not cross an array', () => {
  const payload = { country: { name: 'DE', cities: [{ name: 'Berlin', pop: 3.7 }, { name: 'Munich', pop: 1.5, tags: ['beer', 'alps'] }] } };
  const check = (condition: unknown) => accepts({ must: condition }, payload);
  assert.equal(check({ key: 'country.name', match: { value: 'DE' } }), true);
  assert.equal(check({ key: 'country.cities[].name', match: { value: 'Munich' } }), true);
  assert.equal(check({ key: 'country.cities.name', match: { value: 'Munich' } }), false, 'Qdrant requires [] to enter an array');
  assert.equal(check({ key: 'country.cities[1].name', match: { value: 'Munich' } }), true);
  assert.equal(check({ key: 'country.cities[0].name', match: { value: 'Munich' } }), false);
  assert.equal(check({ key: 'country.cities[5].name', match: { value: 'Munich' } }), false);
  assert.equal(check({ key: 'country.cities[].tags', match: { value: 'alps' } }), true);
  assert.equal(check({ key: 'country.cities[].tags[]', match: { value: 'alps' } }), true);
  assert.equal(check({ key: 'country.cities[].pop', range: { gt: 3 } }), true);
  assert.equal(accepts({ must: { key: '"a.b"', match: { value: 1 } } }, { 'a.b': 1 }), true, 'quoted keys may hold dots');
  assert.equal(accepts({ must: { key: 'a.b', match: { value: 1 } } }, { 'a.b': 1 }), false);
});

test('keys never resolve to properties inherited from Object.prototype', () => {
  assert.equal(accepts({ must: { is_empty: { key: 'constructor' } } }, {}), true);
  assert.equal(accepts({ must: { key: 'toString', values_count: { gte: 1 } } }, {}), false);
  assert.equal(accepts({ must: { key: '__proto__', is_null: false } }, {}), true, 'a missing key is not null');
});

test('has_id compares numbers with numbers and UUIDs case-insensitively', () => {
  const filter = { must: { has_id: [1, 'AB3E8400-E29B-41D4-A716-446655440000'] } };
  assert.equal(accepts(filter, {}, 1), true);
  assert.equal(accepts(filter, {}, 2), false);
  assert.equal(accepts(filter, {}, 'ab3e8400-e29b-41d4-a716-446655440000'), true);
  assert.equal(accepts(filter, {}, 'AB3E8400-E29B-41D4-A716-446655440000'), true);
  assert.equal(accepts({ must: { has_id: [] } }, {}, 1), false);
  assert.equal(accepts({ must_not: { has_id: [1] } }, {}, 1), false);
});

test('nested: the conditions must hold for the same array element', () => {
  const payload = {
    diet: [
      { food: 'meat', likes: false },
      { food: 'veg', likes: true },
    ],
  };
  const nested = (must: unknown[]) => accepts({ must: { nested: { key: 'diet', filter: { must } } } }, payload);
  const flat = (must: unknown[]) => accepts({ must }, payload);
  const conditions = (food: string, likes: boolean) => [
    { key: 'food', match: { value: food } },
    { key: 'likes', match: { value: likes } },
  ];
  assert.equal(nested(conditions('meat', true)), false);
  assert.equal(flat([{ key: 'diet[].food', match: { value: 'meat' } }, { key: 'diet[].likes', match: { value: true } }]), true, 'without nested, any element each');
  assert.equal(nested(conditions('veg', true)), true);
  assert.equal(accepts({ must: { nested: { key: 'diet[]', filter: { must: conditions('veg', true) } } } }, payload), true, 'key may end in []');
  assert.equal(accepts({ must: { nested: { key: 'diet', filter: { must_not: { key: 'likes', match: { value: true } } } } } }, payload), true, 'must_not per element');
  assert.equal(accepts({ must: { nested: { key: 'diet', filter: {} } } }, { diet: { food: 'x' } }), false, 'an object is not an array');
  assert.equal(accepts({ must: { nested: { key: 'diet', filter: {} } } }, { diet: [1, 'x'] }), false, 'only object elements are considered');
  const deeper = { a: [{ b: [{ c: 1, d: 2 }, { c: 2, d: 1 }] }] };
  const inner = { nested: { key: 'b', filter: { must: [{ key: 'c', match: { value: 1 } }, { key: 'd', match: { value: 2 } }] } } };
  assert.equal(accepts({ must: { nested: { key: 'a', filter: { must: inner } } } }, deeper), true);
});

test('should passes when any branch does; must_not when none does', () => {
  const filter = {
    should: [{ key: 'city', match: { value: 'London' } }, { key: 'city', match: { value: 'Berlin' } }],
    must_not: [{ key: 'color', match: { value: 'red' } }],
  };
  assert.equal(accepts(filter, { city: 'London', color: 'green' }), true);
  assert.equal(accepts(filter, { city: 'Berlin', color: 'red' }), false);
  assert.equal(accepts(filter, { city: 'Moscow', color: 'green' }), false);
});

test('an empty should list matches nothing, as in Qdrant (qdrant/qdrant#554)', () => {
  assert.equal(EMPTY_SHOULD_MATCHES_ALL, false);
  assert.equal(accepts({ should: [] }, { a: 1 }), false);
  assert.equal(accepts({ should: [], must: { key: 'a', match: { value: 2 } } }, { a: 1 }), false);
});

test('min_should counts the conditions that hold', () => {
  const conditions = [
    { key: 'a', match: { value: 1 } },
    { key: 'b', match: { value: 1 } },
    { key: 'c', match: { value: 1 } },
  ];
  const filter = (minCount: number) => ({ min_should: { conditions, min_count: minCount } });
  const payload = { a: 1, b: 1, c: 0 };
  assert.equal(accepts(filter(1), payload), true);
  assert.equal(accepts(filter(2), payload), true);
  assert.equal(accepts(filter(3), payload), false);
  assert.equal(accepts(filter(4), payload), false, 'more than there are conditions');
  assert.equal(accepts({ min_should: { conditions: [], min_count: 1 } }, payload), false);
});

test('a filter can nest filters as conditions', () => {
  const filter = { must: [{ should: [{ key: 'a', match: { value: 1 } }, { key: 'b', match: { value: 1 } }] }, { must_not: { key: 'c', match: { value: 1 } } }] };
  assert.equal(accepts(filter, { b: 1 }), true);
  assert.equal(accepts(filter, { b: 1, c: 1 }), false);
  assert.equal(accepts(filter, { c: 0 }), false);
});

test('geo_radius: haversine distance in meters, strictly below the radius', () => {
  const berlin = { lon: 13.404954, lat: 52.520008 };
  const potsdam = { lon: 13.064473, lat: 52.390569 }; // ~26.8 km from Berlin
  const near = (radius: number) => ({ key: 'loc', geo_radius: { center: berlin, radius } });
  assert.deepEqual(which(near(30_000), [{ loc: potsdam }, { loc: berlin }, { loc: [{ lon: 0, lat: 0 }, potsdam] }, { loc: 'x' }, {}]), [true, true, true, false, false]);
  assert.deepEqual(which(near(20_000), [{ loc: potsdam }]), [false]);
  // Qdrant's own test case: 80 km around (0, 0).
  assert.deepEqual(which({ key: 'l', geo_radius: { center: { lon: 0, lat: 0 }, radius: 80_000 } }, [{ l: { lon: 0.5, lat: 0.5 } }, { l: { lon: 1.5, lat: 1.5 } }]), [true, false]);
  assert.deepEqual(which({ key: 'l', geo_radius: { center: { lon: 0, lat: 0 }, radius: 0 } }, [{ l: { lon: 0, lat: 0 } }]), [false], 'strictly inside');
  // Near the antimeridian: 179.9 and -179.9 are ~22 km apart at the equator.
  assert.deepEqual(which({ key: 'l', geo_radius: { center: { lon: 179.9, lat: 0 }, radius: 30_000 } }, [{ l: { lon: -179.9, lat: 0 } }]), [true]);
});

test('geo_bounding_box: strictly inside, crossing the antimeridian when top_left.lon > bottom_right.lon', () => {
  const box = { key: 'l', geo_bounding_box: { top_left: { lon: -1, lat: 1 }, bottom_right: { lon: 1, lat: -1 } } };
  assert.deepEqual(which(box, [{ l: { lon: -0.5, lat: 0.5 } }, { l: { lon: 1.5, lat: 1.5 } }, { l: { lon: 1, lat: 0 } }]), [true, false, false]);
  const usa = { key: 'l', geo_bounding_box: { top_left: { lon: 167, lat: 74.071028 }, bottom_right: { lon: -66.885417, lat: 18.7763 } } };
  assert.deepEqual(which(usa, [{ l: { lon: -73.991516, lat: 40.75798 } }, { l: { lon: 13.41053, lat: 52.52437 } }]), [true, false]);
});

test('geo_polygon: inside the exterior, outside the holes, never on a boundary', () => {
  const ring = (points: [number, number][]) => ({ points: points.map(([lon, lat]) => ({ lon, lat })) });
  const at = (lon: number, lat: number) => ({ l: { lon, lat } });
  const square = { key: 'l', geo_polygon: { exterior: ring([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]]) } };
  assert.deepEqual(which(square, [at(0.5, 0.5), at(1.5, 1.5), at(1, 0), at(-1, -1)]), [true, false, false, false]);
  const twisted = { key: 'l', geo_polygon: { exterior: ring([[-1, -1], [1, 1], [1, -1], [-1, 1], [-1, -1]]) } };
  assert.deepEqual(which(twisted, [at(0.5, 0), at(0, 0.5), at(0, 0)]), [true, false, false]);
  const withHole = {
    key: 'l',
    geo_polygon: {
      exterior: ring([[-1, -1], [1.5, -1], [1.5, 1.5], [-1, 1.5], [-1, -1]]),
      interiors: [ring([[-0.5, -0.5], [-0.5, 0.5], [0.5, 0.5], [0.5, -0.5], [-0.5, -0.5]])],
    },
  };
  assert.deepEqual(which(withHole, [at(0.6, 0.6), at(0, 0), at(0.5, 0.5)]), [true, false, false]);
});

test('has_vector: the unnamed vector by default, or as the caller says', () => {
  assert.equal(accepts({ must: { has_vector: '' } }, {}), true);
  assert.equal(accepts({ must: { has_vector: 'image' } }, {}), false);
  const matcher = compileFilter(parseFilter({ must: { has_vector: 'image' } }), { hasVector: (name, id) => name === 'image' && id === 2 });
  assert.deepEqual([matcher({ id: 1, payload: {} }), matcher({ id: 2, payload: {} })], [false, true]);
});

test('slice: the slices of a total are disjoint and cover every id', () => {
  const ids: PointId[] = [...Array.from({ length: 200 }, (_, i) => i), '550e8400-e29b-41d4-a716-446655440000', 'AB3E8400-E29B-41D4-A716-446655440000'];
  const total = 4;
  const matchers = Array.from({ length: total }, (_, index) => compileFilter(parseFilter({ must: { slice: { index, total } } })));
  const counts = new Array<number>(total).fill(0);
  for (const id of ids) {
    const hits = matchers.map((matcher) => matcher({ id, payload: {} }));
    assert.equal(hits.filter(Boolean).length, 1, `id ${id} is in exactly one slice`);
    counts[hits.indexOf(true)]++;
  }
  for (const count of counts) assert.ok(count > 20, `slices are roughly even: ${counts.join(', ')}`);
  // Slice 0 of 4 is inside slice 0 of 2 (same hash, no salt).
  const half = compileFilter(parseFilter({ must: { slice: { index: 0, total: 2 } } }));
  for (const id of ids) if (matchers[0]({ id, payload: {} })) assert.equal(half({ id, payload: {} }), true);
});

test('matchesFilter caches the compiled filter per filter object', () => {
  const filter = parseFilter({ must: { key: 'a', match: { value: 1 } } });
  assert.equal(matchesFilter(filter, { id: 1, payload: { a: 1 } }), true);
  assert.equal(matchesFilter(filter, { id: 1, payload: { a: 2 } }), false);
});
