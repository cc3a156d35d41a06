// Import JSONL, CSV and .npy into a data directory, export as JSONL and compare; search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonl, runCli, runInProcess, tempDir } from './cli-runner.js';

const UUID = '550e8400-e29b-41d4-a716-446655440000';

async function createCollection(dir: string, size: number): Promise<void> {
  const result = await runCli(['collections', 'create', 'c', '--size', String(size), '--distance', 'Euclid', '--data-dir', dir]);
  assert.equal(result.code, 0, result.stderr);
}

/** A float32 .npy (format 1.0) of `rows`, as numpy.save writes it. */
function npyBytes(rows: number[][]): Buffer {
  const dim = rows[0].length;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows.length}, ${dim}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n'; // pad so data starts at a multiple of 64
  const preamble = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(preamble);
  preamble.writeUInt16LE(header.length, 8);
  const data = Buffer.from(Float32Array.from(rows.flat()).buffer);
  return Buffer.concat([preamble, Buffer.from(header, 'latin1'), data]);
}

test('JSONL import then export gives back the same points; search finds the nearest', async (t) => {
  const dir = tempDir(t);
  await createCollection(dir, 3);
  // Values exactly representable in float32, so the round trip is exact.
  const points = [
    { id: 1, vector: [0.5, 0.25, 0], payload: { lang: 'en', n: 1 } },
    { id: 2, vector: [1, 0, 0], payload: { lang: 'de' } },
    { id: UUID, vector: [0, 1, 0.125], payload: { lang: 'en', tags: ['a', 'b'] } },
    ...Array.from({ length: 1200 }, (_, i) => ({ id: 100 + i, vector: [i, -i, i / 4], payload: { i } })),
  ];
  const input = join(dir, 'points.jsonl');
  writeFileSync(input, `${points.map((p) => JSON.stringify(p)).join('\n')}\n\n`);

  const imported = await runCli(['import', '--collection', 'c', input, '--data-dir', dir]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(imported.stdout, `imported ${points.length} points into c\n`);
  assert.match(imported.stderr, /import: 1,203 points in [\d.]+ s/, 'a final summary line on a non-TTY stderr');

  const output = join(dir, 'out.jsonl');
  const exported = await runCli(['export', '--collection', 'c', output, '--page-size', '500', '--data-dir', dir]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.deepEqual(parseJsonl(readFileSync(output, 'utf8')), parseJsonl(points.map((p) => JSON.stringify(p)).join('\n')));
  assert.equal(existsSync(`${output}.partial`), false);

  const search = await runCli(['search', '--collection', 'c', '--vector', '[0.9, 0, 0]', '--limit', '2', '--data-dir', dir]);
  assert.equal(search.code, 0, search.stderr);
  const hits = JSON.parse(search.stdout) as { id: number; payload: unknown }[];
  assert.deepEqual(hits.map((h) => h.id), [2, 1]);
  assert.deepEqual(hits[0].payload, { lang: 'de' });

  const filtered = await runCli(['search', '--collection', 'c', '--vector', '[0.9, 0, 0]', '--limit', '1', '--filter', '{"must": [{"key": "lang", "match": {"value": "en"}}]}', '--data-dir', dir]);
  assert.equal(filtered.code, 0, filtered.stderr);
  assert.deepEqual((JSON.parse(filtered.stdout) as { id: number }[]).map((h) => h.id), [1]);
});

test('CSV with and without a header, and .npy, import with the documented ids', async (t) => {
  const dir = tempDir(t);
  await createCollection(dir, 2);
  writeFileSync(join(dir, 'plain.csv'), '0.5,1\n2,3\n\n4,-5\n');
  writeFileSync(join(dir, 'ids.csv'), 'x,id,y\n1,10,2\n3,11,4\n');
  const csvPlain = await runCli(['import', '--collection', 'c', join(dir, 'plain.csv'), '--data-dir', dir]);
  assert.equal(csvPlain.code, 0, csvPlain.stderr);
  const csvIds = await runCli(['import', '--collection', 'c', join(dir, 'ids.csv'), '--data-dir', dir]);
  assert.equal(csvIds.code, 0, csvIds.stderr);
  const exported = await runCli(['export', '--collection', 'c', '-', '--data-dir', dir]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.deepEqual(parseJsonl(exported.stdout).map((p) => [p.id, p.vector]), [[0, [0.5, 1]], [1, [2, 3]], [10, [1, 2]], [11, [3, 4]], [2, [4, -5]]]);

  const dir2 = tempDir(t);
  await createCollection(dir2, 3);
  const rows = Array.from({ length: 50 }, (_, i) => [i, i * 0.5, 0 - i]).map((r) => r.map((v) => v + 0)); // no -0: JSON has none
  writeFileSync(join(dir2, 'v.npy'), npyBytes(rows));
  const npy = await runCli(['import', '--collection', 'c', join(dir2, 'v.npy'), '--batch-size', '7', '--data-dir', dir2]);
  assert.equal(npy.code, 0, npy.stderr);
  const out = parseJsonl((await runCli(['export', '--collection', 'c', '-', '--data-dir', dir2])).stdout);
  assert.equal(out.length, 50);
  for (const p of out) assert.deepEqual(p.vector, rows[p.id as number]);
});

test('a bad entry stops the import with exit 2, naming its line; earlier batches stay', async (t) => {
  const dir = tempDir(t);
  const other = join(dir, 'other');
  await Promise.all([createCollection(dir, 2), createCollection(other, 2)]);
  const lines = [...Array.from({ length: 5 }, (_, i) => JSON.stringify({ id: i, vector: [i, i] })), JSON.stringify({ id: 5, vector: [1, 2, 3] })];
  writeFileSync(join(dir, 'dim.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'json.jsonl'), '{"id": 1, "vector": [1, 2]}\n{"id": 2, "vector": [1, 2]\n');
  writeFileSync(join(dir, 'field.jsonl'), '{"id": 1, "vectors": [1, 2]}\n');
  writeFileSync(join(dir, 'ragged.csv'), '1,2\n3\n');
  writeFileSync(join(dir, 'bad.npy'), Buffer.from('not numpy'));

  const [dim, missing] = await Promise.all([
    runCli(['import', '--collection', 'c', join(dir, 'dim.jsonl'), '--batch-size', '2', '--data-dir', dir]),
    runCli(['import', '--collection', 'nope', join(dir, 'dim.jsonl'), '--data-dir', other]),
  ]);
  // Input errors, in this process one after another (each opens and closes the data dir).
  const json = await runInProcess(['import', '--collection', 'c', join(dir, 'json.jsonl'), '--data-dir', other]);
  const field = await runInProcess(['import', '--collection', 'c', join(dir, 'field.jsonl'), '--data-dir', other]);
  const ragged = await runInProcess(['import', '--collection', 'c', join(dir, 'ragged.csv'), '--data-dir', other]);
  const npy = await runInProcess(['import', '--collection', 'c', join(dir, 'bad.npy'), '--data-dir', other]);
  const format = await runInProcess(['import', '--collection', 'c', join(dir, 'points.txt'), '--data-dir', other]);
  assert.equal(dim.code, 2);
  assert.match(dim.stderr, /line 6: .*expected dim: 2, got 3 \(points\[1\]\.vector.*\(4 points imported before it\) \[RV_POINT_DIMENSION\]/);
  assert.equal(parseJsonl((await runCli(['export', '--collection', 'c', '-', '--data-dir', dir])).stdout).length, 4);
  // The rest fail on reading, before their first batch is sent.
  assert.equal(json.code, 2);
  assert.match(json.stderr, /json\.jsonl:2: not valid JSON/);
  assert.match(field.stderr, /field\.jsonl:1: unknown field "vectors"/);
  assert.match(ragged.stderr, /ragged\.csv:2: 1 columns, expected 2/);
  assert.match(npy.stderr, /bad\.npy: not a \.npy file/);
  assert.match(format.stderr, /cannot tell the format of .*points\.txt/);
  assert.equal(missing.code, 3);
  assert.equal(parseJsonl((await runCli(['export', '--collection', 'c', '-', '--data-dir', other])).stdout).length, 0);
});
