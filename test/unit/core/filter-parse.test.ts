// parseFilter accepts Qdrant's filter forms and rejects everything else with a message that
// names the JSON path and what was expected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilter, type FieldCondition, type Filter } from '../../../src/core/filter/index.js';

function rejects(input: unknown, message: RegExp, options?: { maxDepth?: number; maxConditions?: number }): void {
  assert.throws(() => parseFilter(input, options), { name: 'RvError', code: 'RV_FILTER_INVALID', kind: 'invalid_argument', message });
}

function onlyField(filter: Filter): FieldCondition {
  const condition = filter.must?.[0];
  assert.ok(condition !== undefined && condition.kind === 'field');
  return condition;
}

test('null, undefined and {} are the empty filter', () => {
  assert.deepEqual(parseFilter(null), {});
  assert.deepEqual(parseFilter(undefined), {});
  assert.deepEqual(parseFilter({}), {});
  assert.deepEqual(parseFilter({ must: null, should: null, must_not: null, min_should: null }), {});
});

test('a clause takes one condition or an array of them', () => {
  const single = parseFilter({ must: { key: 'a', match: { value: 1 } } });
  const array = parseFilter({ must: [{ key: 'a', match: { value: 1 } }] });
  assert.deepEqual(single, array);
  assert.equal(single.must?.length, 1);
  assert.deepEqual(parseFilter({ should: [] }), { should: [] });
});

test('every condition form is recognised by its keys', () => {
  const filter = parseFilter({
    must: [
      { key: 'a', match: { value: 'x' } },
      { is_empty: { key: 'b' } },
      { is_null: { key: 'c' } },
      { has_id: [1, '550E8400-E29B-41D4-A716-446655440000', 1] },
      { has_vector: '' },
      { nested: { key: 'items', filter: { must: { key: 'n', range: { gt: 1 } } } } },
      { slice: { index: 1, total: 4 } },
      { should: [{ key: 'd', match: { any: ['p', 'q', 'p'] } }] },
    ],
  });
  assert.deepEqual(filter.must?.map((c) => c.kind), ['field', 'is_empty', 'is_null', 'has_id', 'has_vector', 'nested', 'slice', 'filter']);
  const hasId = filter.must?.[3];
  assert.ok(hasId?.kind === 'has_id');
  assert.deepEqual(hasId.ids, [1, '550e8400-e29b-41d4-a716-446655440000'], 'UUIDs lowercased, duplicates dropped');
  const nested = filter.must?.[5];
  assert.ok(nested?.kind === 'nested');
  assert.equal(nested.key.text, 'items');
  assert.equal(nested.arrayKey.text, 'items[]');
  const inner = filter.must?.[7];
  assert.ok(inner?.kind === 'filter');
  const any = inner.filter.should?.[0];
  assert.ok(any?.kind === 'field' && any.test.type === 'match_any');
  assert.deepEqual(any.test.any, ['p', 'q']);
});

test('UUIDs in has_id are accepted in every spelling the uuid crate accepts', () => {
  const filter = parseFilter({
    must: { has_id: ['550e8400e29b41d4a716446655440000', '{550e8400-e29b-41d4-a716-446655440000}', 'urn:uuid:550E8400-E29B-41D4-A716-446655440000'] },
  });
  const condition = filter.must?.[0];
  assert.ok(condition?.kind === 'has_id');
  assert.deepEqual(condition.ids, ['550e8400-e29b-41d4-a716-446655440000']);
});

test('range bounds of numbers make a numeric range, of strings a datetime range', () => {
  const numeric = onlyField(parseFilter({ must: { key: 'p', range: { gte: 1, lt: 2.5, gt: null } } }));
  assert.deepEqual(numeric.test, { type: 'range', range: { gte: 1, lt: 2.5 } });
  const datetime = onlyField(parseFilter({ must: { key: 't', range: { gte: '2024-01-01T00:00:00Z', lt: '2024-01-01T01:00:00+01:00' } } }));
  assert.ok(datetime.test.type === 'datetime_range');
  assert.equal(datetime.test.range.gte, Date.UTC(2024, 0, 1) * 1000);
  assert.equal(datetime.test.range.lt, datetime.test.range.gte, 'an offset is applied: 01:00+01:00 is 00:00Z');
  const open = onlyField(parseFilter({ must: { key: 'p', range: {} } }));
  assert.deepEqual(open.test, { type: 'range', range: {} });
});

test('keys with dots, arrays, indexes and quotes parse into canonical paths', () => {
  const key = (text: string) => onlyField(parseFilter({ must: { key: text, match: { value: 1 } } })).key;
  assert.deepEqual(key('country.cities[].population').segments, [
    { kind: 'key', name: 'country' },
    { kind: 'key', name: 'cities' },
    { kind: 'wildcard' },
    { kind: 'key', name: 'population' },
  ]);
  assert.equal(key('a[2].b').text, 'a[2].b');
  assert.deepEqual(key('a."b.c"').segments, [{ kind: 'key', name: 'a' }, { kind: 'key', name: 'b.c' }]);
  assert.equal(key('"plain"').text, 'plain', 'quotes only where needed');
  assert.equal(key('ключ.名前').text, 'ключ.名前', 'Unicode letters need no quotes');
});

test('the root must be an object with known clause names', () => {
  rejects([], /^filter: expected a filter object \{must, should, must_not, min_should\}, got array$/);
  rejects('x', /^filter: expected a filter object .*got string$/);
  rejects({ musts: [] }, /^filter: unknown key "musts" in a filter \(expected must, should, must_not, min_should\)$/);
  rejects({ must: 5 }, /^filter\.must: expected a condition or an array of conditions, got number$/);
});

test('a bad condition is reported at its index with the expected forms', () => {
  rejects({ must: [{ key: 'a', match: { value: 1 } }, 7] }, /^filter\.must\[1\]: expected a condition \(a field condition \{key, match/);
  rejects({ should: [{ foo: 1 }] }, /^filter\.should\[0\]: unrecognised condition with keys "foo" \(expected a field condition/);
  rejects({ must: [{ key: 'a', mach: { value: 1 } }] }, /^filter\.must\[0\]: unknown key "mach" in a field condition \(expected key, match, range/);
  rejects({ must: { has_id: [1], must: [] } }, /^filter\.must: unknown key "must" in a has_id condition \(expected has_id\)$/);
  rejects({ must: { is_empty: { key: 'a', extra: 1 } } }, /^filter\.must\.is_empty: unknown key "extra" in is_empty \(expected key\)$/);
  rejects({ must: { is_null: 'a' } }, /^filter\.must\.is_null: expected an object \{key\}, got string$/);
});

test('a field condition needs a valid key and exactly one test', () => {
  rejects({ must: [{ key: 5, match: { value: 1 } }] }, /^filter\.must\[0\]\.key: expected a string, got number$/);
  rejects({ must: [{ key: 'a..b', match: { value: 1 } }] }, /^filter\.must\[0\]\.key: "a\.\.b" is not a valid payload key: expected a name after "\."/);
  rejects({ must: [{ key: '', match: { value: 1 } }] }, /is not a valid payload key: a key cannot be empty/);
  rejects({ must: [{ key: 'a b', match: { value: 1 } }] }, /"a b" is not a valid payload key: unexpected " "/);
  rejects({ must: [{ key: 'a[x]', match: { value: 1 } }] }, /expected "\[\]" or "\[<index>\]"/);
  rejects({ must: [{ key: 'a' }] }, /^filter\.must\[0\]: field condition on "a" needs one of match, range, geo_bounding_box/);
  rejects({ must: [{ key: 'a', match: { value: 1 }, range: { gt: 1 } }] }, /^filter\.must\[0\]: field condition on "a" has match and range; use one test per condition/);
  rejects({ must: [{ key: 'a', match: null, range: null }] }, /needs one of/);
});

test('match values are checked against Qdrant\'s variants', () => {
  rejects({ must: [{ key: 'a', match: { value: 1.5 } }] }, /^filter\.must\[0\]\.match\.value: expected a string, an integer or a boolean, got 1\.5$/);
  rejects({ must: [{ key: 'a', match: { value: null } }] }, /^filter\.must\[0\]\.match: expected one of value, text, text_any, phrase, prefix, any, except$/);
  rejects({ must: [{ key: 'a', match: { value: 1, any: [1] } }] }, /^filter\.must\[0\]\.match: expected one of .*, got value and any$/);
  rejects({ must: [{ key: 'a', match: { values: 1 } }] }, /^filter\.must\[0\]\.match: unknown key "values" in match/);
  rejects({ must: [{ key: 'a', match: { any: 'x' } }] }, /match\.any: expected an array of strings or an array of integers, got string$/);
  rejects({ must: [{ key: 'a', match: { any: ['x', 1] } }] }, /match\.any\[1\]: expected a string like the first item \(all strings or all integers\), got 1$/);
  rejects({ must: [{ key: 'a', match: { except: [1, 2.5] } }] }, /match\.except\[1\]: expected an integer \(all strings or all integers\), got 2\.5$/);
  rejects({ must: [{ key: 'a', match: { text: 3 } }] }, /match\.text: expected a string, got number$/);
});

test('range bounds name the bound and the type found', () => {
  rejects({ must: [{}, {}, { key: 'p', range: { gte: true } }] }, /^filter\.must\[2\]\.range: "gte" must be a number, got boolean$/);
  rejects({ must: [{ key: 'p', range: { gte: 1, lt: '2024-01-01' } }] }, /^filter\.must\[0\]\.range: "lt" must be a number, got string \(date-time bounds need every bound/);
  rejects({ must: [{ key: 'p', range: { gte: 'yesterday' } }] }, /^filter\.must\[0\]\.range: "gte" is not an RFC 3339 date-time: "yesterday"$/);
  rejects({ must: [{ key: 'p', range: { gte: '2024-02-30' } }] }, /"gte" is not an RFC 3339 date-time/);
  rejects({ must: [{ key: 'p', range: { gte: Infinity } }] }, /"gte" must be a finite number, got Infinity/);
  rejects({ must: [{ key: 'p', range: { from: 1 } }] }, /^filter\.must\[0\]\.range: unknown key "from" in range \(expected gt, gte, lt, lte\)$/);
  rejects({ must: [{ key: 'p', values_count: { gt: -1 } }] }, /values_count: "gt" must be a non-negative integer, got -1$/);
});

test('geo conditions are validated down to each coordinate', () => {
  rejects({ must: [{ key: 'l', geo_radius: { center: { lon: 0, lat: 91 }, radius: 10 } }] }, /^filter\.must\[0\]\.geo_radius\.center\.lat: latitude must be between -90 and 90, got 91$/);
  rejects({ must: [{ key: 'l', geo_radius: { center: { lon: 0, lat: 0 } } }] }, /^filter\.must\[0\]\.geo_radius: "radius" is required$/);
  rejects({ must: [{ key: 'l', geo_radius: { center: { lon: 0, lat: 0 }, radius: -1 } }] }, /radius in meters must not be negative/);
  rejects({ must: [{ key: 'l', geo_bounding_box: { top_left: { lon: 0, lat: 1, alt: 3 }, bottom_right: { lon: 1, lat: 0 } } }] }, /geo_bounding_box\.top_left: unknown key "alt" in a geo point/);
  const square = [{ lon: 0, lat: 0 }, { lon: 1, lat: 0 }, { lon: 1, lat: 1 }, { lon: 0, lat: 1 }];
  rejects({ must: [{ key: 'l', geo_polygon: { exterior: { points: square.slice(0, 3) } } }] }, /geo_polygon\.exterior\.points: a polygon ring needs at least 4 points, got 3$/);
  rejects({ must: [{ key: 'l', geo_polygon: { exterior: { points: square } } }] }, /geo_polygon\.exterior\.points: a polygon ring must be closed/);
  rejects(
    { must: [{ key: 'l', geo_polygon: { exterior: { points: [...square, square[0]] }, interiors: [{ points: [] }] } }] },
    /geo_polygon\.interiors\[0\]\.points: a polygon ring needs at least 4 points, got 0$/,
  );
});

test('has_id takes unsigned integers and UUIDs only', () => {
  rejects({ must: { has_id: 1 } }, /^filter\.must\.has_id: expected an array of point ids, got number$/);
  rejects({ must: { has_id: [1, -2] } }, /^filter\.must\.has_id\[1\]: a point id must be an unsigned integer up to 2\^53-1 or a UUID, got -2$/);
  rejects({ must: { has_id: ['42'] } }, /has_id\[0\]: a point id must be an unsigned integer or a UUID, got "42"$/);
  rejects({ must: { has_id: [2 ** 60] } }, /has_id\[0\]: a point id must be an unsigned integer up to 2\^53-1/);
});

test('ids and vectors cannot be tested inside nested', () => {
  rejects(
    { must: { nested: { key: 'items', filter: { must: { has_id: [1] } } } } },
    /^filter\.must\.nested\.filter\.must: has_id cannot be used inside a nested filter/,
  );
  rejects({ must: { nested: { key: 'items' } } }, /^filter\.must\.nested: "filter" is required$/);
});

test('min_should needs conditions and a min_count of at least 1', () => {
  const filter = parseFilter({ min_should: { conditions: [{ key: 'a', match: { value: 1 } }], min_count: 1 } });
  assert.equal(filter.minShould?.minCount, 1);
  rejects({ min_should: { conditions: [], min_count: 0 } }, /^filter\.min_should\.min_count: expected an integer of at least 1, got 0$/);
  rejects({ min_should: { conditions: {}, min_count: 1 } }, /^filter\.min_should\.conditions: expected an array of conditions, got object$/);
  rejects({ min_should: { conditions: [{ key: 'a' }], min_count: 1 } }, /^filter\.min_should\.conditions\[0\]: field condition on "a" needs one of/);
});

test('slice index must be below total', () => {
  rejects({ must: { slice: { index: 4, total: 4 } } }, /^filter\.must\.slice\.index: expected an integer from 0 to 3 \(below total\), got 4$/);
  rejects({ must: { slice: { index: 0, total: 0 } } }, /^filter\.must\.slice\.total: expected an integer from 1 to 4294967295, got 0$/);
});

test('nesting deeper than the limit is rejected before it is walked', () => {
  let deep: unknown = { must: [{ key: 'a', match: { value: 1 } }] };
  for (let i = 1; i < 16; i++) deep = { must: [deep] };
  assert.doesNotThrow(() => parseFilter(deep), 'depth 16 is allowed');
  rejects({ must: [deep] }, /^filter nesting depth 17 exceeds the limit of 16$/);
  rejects({ must: { nested: { key: 'a', filter: { must: { nested: { key: 'b', filter: {} } } } } } }, /^filter nesting depth 3 exceeds the limit of 2$/, { maxDepth: 2 });
  // A hostile body far deeper than the stack would allow fails fast, not with a RangeError.
  let hostile: unknown = {};
  for (let i = 0; i < 100_000; i++) hostile = { must: hostile };
  rejects(hostile, /exceeds the limit of 16/);
});

test('the number of conditions is limited across the whole tree', () => {
  const conditions = (n: number) => Array.from({ length: n }, (_, i) => ({ key: 'a', match: { value: i } }));
  assert.doesNotThrow(() => parseFilter({ must: conditions(1024) }));
  rejects({ must: conditions(1025) }, /^filter has more than 1024 conditions, the limit$/);
  rejects({ must: conditions(3), should: { must: conditions(2) } }, /more than 5 conditions/, { maxConditions: 5 });
});

test('errors carry the JSON path in details', () => {
  assert.throws(
    () => parseFilter({ must: [{ key: 'a', range: { gte: true } }] }),
    (error: { details?: unknown }) => {
      assert.deepEqual(error.details, { path: 'filter.must[0].range', bound: 'gte' });
      return true;
    },
  );
});
