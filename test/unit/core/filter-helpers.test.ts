// The building blocks of the filter: payload paths, datetimes, geo math, UUIDs and SipHash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  haversineMeters,
  normalizeUuid,
  parseDatetime,
  parsePayloadPath,
  radiusBounds,
  resolveFlatValues,
  resolvePath,
  sipHash24,
  type PayloadPath,
} from '../../../src/core/filter/index.js';
import { mulberry32 } from '../../helpers/random.js';

function path(text: string): PayloadPath {
  const parsed = parsePayloadPath(text);
  assert.ok(parsed.ok, `"${text}" parses`);
  return parsed.path;
}

test('resolvePath follows Qdrant: intermediate arrays need [], leaf arrays stay whole', () => {
  const payload = { arr: [{ a: [1, 2, 3] }, { a: 4 }, { b: 5 }], o: { p: null } };
  assert.deepEqual(resolvePath(payload, path('arr[].a')), [[1, 2, 3], 4]);
  assert.deepEqual(resolvePath(payload, path('arr[].a[]')), [1, 2, 3]);
  assert.deepEqual(resolvePath(payload, path('arr.a')), []);
  assert.deepEqual(resolvePath(payload, path('arr[1].a')), [4]);
  assert.deepEqual(resolvePath(payload, path('o.p')), [null], 'null is a value');
  assert.deepEqual(resolvePath(payload, path('o.q')), []);
  assert.deepEqual(resolveFlatValues(payload, path('arr[].a')), [1, 2, 3, 4]);
});

test('payload paths are printed canonically', () => {
  assert.equal(path('a."b"[0][]."c d"').text, 'a.b[0][]."c d"');
  assert.equal(parsePayloadPath('[0]').ok, false);
  assert.equal(parsePayloadPath('a.').ok, false);
  assert.equal(parsePayloadPath('a."b').ok, false);
});

test('datetimes parse as instants in all of Qdrant\'s accepted forms', () => {
  const base = Date.UTC(2024, 2, 1, 10, 30, 0) * 1000;
  const same = [
    '2024-03-01T10:30:00Z',
    '2024-03-01t10:30:00z',
    '2024-03-01T12:30:00+02:00',
    '2024-03-01T12:30:00+0200',
    '2024-03-01T12:30:00+02',
    '2024-03-01 05:30:00-05:00',
    '2024-03-01T10:30:00',
    '2024-03-01 10:30:00',
    '2024-03-01 10:30',
  ];
  for (const text of same) assert.equal(parseDatetime(text), base, text);
  assert.equal(parseDatetime('2024-03-01T10:30:00.123456Z'), base + 123456);
  assert.equal(parseDatetime('2024-03-01T10:30:00.1234569Z'), base + 123456, 'sub-microsecond digits are dropped');
  assert.equal(parseDatetime('2024-03-01'), Date.UTC(2024, 2, 1) * 1000);
  // Years below 100 are not shifted to the 1900s (Date.UTC would).
  assert.equal(parseDatetime('0001-01-01T00:00:00Z'), new Date('0001-01-01T00:00:00Z').getTime() * 1000);
  assert.equal(parseDatetime('1969-12-31T23:59:59Z'), -1_000_000);
  for (const bad of ['2024-02-30', '2023-02-29', '2024-13-01', '2024-03-01T24:00:00Z', '2024-03-01T10:30:00+25:00', '2024-3-1', '2024-03-01Z', '', 'now']) {
    assert.equal(parseDatetime(bad), undefined, bad);
  }
  assert.equal(parseDatetime('2024-02-29'), Date.UTC(2024, 1, 29) * 1000, 'leap day');
});

test('datetimes agree with Date.parse on random RFC 3339 instants', () => {
  const rand = mulberry32(11);
  for (let i = 0; i < 500; i++) {
    const ms = Math.floor((rand() * 2 - 1) * 4e12);
    const offsetMinutes = Math.floor(rand() * 27 - 13) * 60 + (rand() < 0.2 ? 30 : 0);
    const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
    const sign = offsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(offsetMinutes);
    const text = `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    assert.equal(parseDatetime(text), ms * 1000, text);
  }
});

test('haversine distances match known values', () => {
  // Qdrant's test: (0, 0) to (0.5, 0.5) is 78 626.296 m on its sphere.
  assert.ok(Math.abs(haversineMeters({ lon: 0, lat: 0 }, { lon: 0.5, lat: 0.5 }) - 78626.29627999048) < 1e-6);
  assert.equal(haversineMeters({ lon: 10, lat: 20 }, { lon: 10, lat: 20 }), 0);
  const halfEquator = haversineMeters({ lon: 0, lat: 0 }, { lon: 180, lat: 0 });
  assert.ok(Math.abs(halfEquator - Math.PI * 6_371_008.8) < 1e-6);
});

test('radiusBounds contains every point inside the circle', () => {
  const rand = mulberry32(5);
  for (let i = 0; i < 300; i++) {
    const center = { lon: rand() * 360 - 180, lat: rand() * 170 - 85 };
    const radius = rand() < 0.5 ? rand() * 50_000 : rand() * 5_000_000;
    const rect = radiusBounds(center, radius);
    for (let j = 0; j < 50; j++) {
      const point = { lon: rand() * 360 - 180, lat: rand() * 180 - 90 };
      if (haversineMeters(center, point) >= radius) continue;
      const inLat = point.lat >= rect.minLat && point.lat <= rect.maxLat;
      const inLon = rect.minLon <= rect.maxLon ? point.lon >= rect.minLon && point.lon <= rect.maxLon : point.lon >= rect.minLon || point.lon <= rect.maxLon;
      assert.ok(inLat && inLon, `point ${JSON.stringify(point)} within ${radius} m of ${JSON.stringify(center)} is inside ${JSON.stringify(rect)}`);
    }
  }
});

test('UUIDs normalise to lowercase hyphenated form', () => {
  const canonical = '550e8400-e29b-41d4-a716-446655440000';
  for (const text of [canonical, canonical.toUpperCase(), canonical.replaceAll('-', ''), `{${canonical}}`, `urn:uuid:${canonical}`]) {
    assert.equal(normalizeUuid(text), canonical, text);
  }
  for (const bad of ['550e8400-e29b-41d4-a716-44665544000', '550e8400e29b41d4a716446655440000x', 'hello', '']) assert.equal(normalizeUuid(bad), undefined, bad);
});

test('sipHash24 matches the reference vectors of the SipHash paper', () => {
  const k0 = 0x0706050403020100n;
  const k1 = 0x0f0e0d0c0b0a0908n;
  const message = (length: number) => Uint8Array.from({ length }, (_, i) => i);
  assert.equal(sipHash24(message(0), k0, k1), 0x726fdb47dd0e0e31n);
  assert.equal(sipHash24(message(1), k0, k1), 0x74f839c593dc67fdn);
  assert.equal(sipHash24(message(7), k0, k1), 0xab0200f58b01d137n);
  assert.equal(sipHash24(message(8), k0, k1), 0x93f5f5799a932462n);
  assert.equal(sipHash24(message(15), k0, k1), 0xa129ca6149be45e5n);
  assert.equal(sipHash24(message(16), k0, k1), 0x3f2acc7f57c29bdbn);
});
