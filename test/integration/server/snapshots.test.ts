// Snapshot routes through inject(): create, list, download (streamed), delete, recover from a
// file:// location (only inside the snapshots folder) and from a multipart upload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertError, call, qdrant, resultOf, startServer } from './helpers.js';

type Snapshot = { name: string; size: number; checksum: string; creation_time: string };

function multipart(field: string, content: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----ruvector-test-${Date.now()}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="upload.snapshot"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return {
    payload: Buffer.concat([Buffer.from(head), content, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

async function withPoints(t: Parameters<typeof startServer>[0]) {
  const fixture = await startServer(t);
  const { app } = fixture;
  await call(app, 'PUT', '/collections/src', { vectors: { size: 3, distance: 'Cosine' } });
  await call(app, 'PUT', '/collections/src/index', { field_name: 'kind', field_schema: 'keyword' });
  resultOf(await call(app, 'PUT', '/collections/src/points', { points: Array.from({ length: 50 }, (_, i) => ({ id: i, vector: [1, i, i % 3], payload: { kind: i % 2 === 0 ? 'a' : 'b' } })) }));
  return fixture;
}

test('create, list, download, delete a snapshot', async (t) => {
  const { app } = await withPoints(t);
  const created = qdrant.result(await call(app, 'POST', '/collections/src/snapshots?wait=true'), 'SnapshotDescription') as Snapshot;
  assert.match(created.name, /^src-.*\.snapshot$/);
  assert.ok(created.size > 0);
  const listed = qdrant.result(await call(app, 'GET', '/collections/src/snapshots'), 'SnapshotDescription[]') as Snapshot[];
  assert.deepEqual(listed.map((s) => s.name), [created.name]);

  const download = await call(app, 'GET', `/collections/src/snapshots/${created.name}`);
  assert.equal(download.statusCode, 200);
  assert.equal(download.headers['content-type'], 'application/octet-stream');
  assert.equal(Number(download.headers['content-length']), created.size);
  assert.match(download.headers['content-disposition'] as string, new RegExp(`attachment; filename="${created.name}"`));
  assert.equal(createHash('sha256').update(download.rawPayload).digest('hex'), created.checksum);

  assertError(await call(app, 'GET', '/collections/src/snapshots/missing.snapshot'), 404, 'RV_SNAPSHOT_NOT_FOUND');
  assertError(await call(app, 'GET', '/collections/src/snapshots/..%2F..%2Fcatalog.json'), 400, 'RV_SNAPSHOT_INVALID');
  assertError(await call(app, 'GET', '/collections/nope/snapshots'), 404, 'RV_COLLECTION_NOT_FOUND');

  assert.equal(resultOf(await call(app, 'DELETE', `/collections/src/snapshots/${created.name}`)), true);
  assertError(await call(app, 'DELETE', `/collections/src/snapshots/${created.name}`), 404, 'RV_SNAPSHOT_NOT_FOUND');
  assert.deepEqual(resultOf(await call(app, 'GET', '/collections/src/snapshots')), []);
});

test('recover from a file:// location: into a new collection and over an existing one', async (t) => {
  const { app, dir } = await withPoints(t);
  const created = resultOf(await call(app, 'POST', '/collections/src/snapshots')) as Snapshot;
  const location = pathToFileURL(join(dir, 'snapshots', 'src', created.name)).href;
  const query = { query: [1, 10, 1], limit: 5, filter: { must: [{ key: 'kind', match: { value: 'a' } }] } };
  const before = resultOf(await call(app, 'POST', '/collections/src/points/query', query));

  assert.equal(resultOf(await call(app, 'PUT', '/collections/copy/snapshots/recover', { location, checksum: created.checksum })), true);
  assert.deepEqual(resultOf(await call(app, 'POST', '/collections/copy/points/count', {})), { count: 50 });
  assert.deepEqual(resultOf(await call(app, 'POST', '/collections/copy/points/query', query)), before);
  const info = resultOf(await call(app, 'GET', '/collections/copy')) as { payload_schema: Record<string, unknown> };
  assert.ok(info.payload_schema.kind, 'payload indexes come back with the snapshot');

  // Over an existing collection: later writes are rolled back to the snapshot.
  await call(app, 'POST', '/collections/src/points/delete', { points: [0, 1, 2] });
  assert.equal(resultOf(await call(app, 'PUT', '/collections/src/snapshots/recover', { location, priority: 'snapshot' })), true);
  assert.deepEqual(resultOf(await call(app, 'POST', '/collections/src/points/count', {})), { count: 50 });

  assertError(await call(app, 'PUT', '/collections/x/snapshots/recover', { location, checksum: '0'.repeat(64) }), 400, 'RV_SNAPSHOT_INVALID', /SHA-256/);
  assertError(await call(app, 'PUT', '/collections/x/snapshots/recover', { location: 'file:///etc/hostname' }), 400, 'RV_SNAPSHOT_INVALID', /only from files inside/);
  assertError(await call(app, 'PUT', '/collections/x/snapshots/recover', { location: 'https://example.com/s.snapshot' }), 400, 'RV_SNAPSHOT_INVALID', /remote/);
  assertError(await call(app, 'PUT', '/collections/x/snapshots/recover', { location: pathToFileURL(join(dir, 'snapshots', 'src', 'gone.snapshot')).href }), 404, 'RV_SNAPSHOT_NOT_FOUND');
  assertError(await call(app, 'PUT', '/collections/x/snapshots/recover', { location, api_key: 'secret' }), 400, 'RV_INVALID_ARGUMENT', /api_key/);
  assertError(await call(app, 'PUT', '/collections/x/snapshots/recover', { location, checksum: 'abc' }), 422, 'RV_INVALID_ARGUMENT', /checksum/);
  assert.equal((resultOf(await call(app, 'GET', '/collections/x/exists')) as { exists: boolean }).exists, false);
});

test('recover from a multipart upload; corrupt or mismatched uploads change nothing', async (t) => {
  const { app, dir } = await withPoints(t);
  const created = resultOf(await call(app, 'POST', '/collections/src/snapshots')) as Snapshot;
  const bytes = (await call(app, 'GET', `/collections/src/snapshots/${created.name}`)).rawPayload;

  const upload = multipart('snapshot', bytes);
  const uploaded = await app.inject({ method: 'POST', url: `/collections/uploaded/snapshots/upload?wait=true&checksum=${created.checksum}`, ...upload });
  assert.equal(resultOf(uploaded), true);
  assert.deepEqual(resultOf(await call(app, 'POST', '/collections/uploaded/points/count', {})), { count: 50 });

  const mismatch = await app.inject({ method: 'POST', url: `/collections/other/snapshots/upload?checksum=${'f'.repeat(64)}`, ...multipart('snapshot', bytes) });
  assertError(mismatch, 400, 'RV_SNAPSHOT_INVALID', /SHA-256/);
  const corrupt = Buffer.from(bytes);
  corrupt[Math.floor(corrupt.length / 2)] ^= 0xff;
  const refused = await app.inject({ method: 'POST', url: '/collections/uploaded/snapshots/upload', ...multipart('snapshot', corrupt) });
  assertError(refused, 400, 'RV_SNAPSHOT_INVALID', /checksum|not valid/);
  assert.deepEqual(resultOf(await call(app, 'POST', '/collections/uploaded/points/count', {})), { count: 50 }, 'the corrupt upload replaced nothing');
  assertError(await call(app, 'POST', '/collections/other/snapshots/upload', { snapshot: 'not a file' }), 400, 'RV_SNAPSHOT_INVALID', /multipart/);
  assert.equal((resultOf(await call(app, 'GET', '/collections/other/exists')) as { exists: boolean }).exists, false);

  // Staged uploads are cleaned up.
  assert.deepEqual(readdirSync(join(dir, 'snapshots', '.uploads')), []);
});

test('an upload over the limit is refused with 413 naming the limit', async (t) => {
  const { app } = await startServer(t, { snapshotUploadLimitBytes: 1024 });
  const response = await app.inject({ method: 'POST', url: '/collections/big/snapshots/upload', ...multipart('snapshot', Buffer.alloc(4096, 7)) });
  assertError(response, 413, 'RV_REQUEST_TOO_LARGE', /larger than the limit of 1024 bytes/);
  assert.equal((resultOf(await call(app, 'GET', '/collections/big/exists')) as { exists: boolean }).exists, false);
});
