// End to end with the official Qdrant JS client (@qdrant/js-client-rest 1.19) against a real
// listening server: everything a Qdrant user does, through the client's own methods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { QdrantClient } from '@qdrant/js-client-rest';
import { Database } from '../../src/index.js';
import { createServer } from '../../src/server/index.js';
import { deferrer, tempDir } from '../integration/server/helpers.js';

const API_KEY = 'e2e-secret-key';
const CITY_UUID = '2b7e1516-28ae-4d2a-a6ab-f7158809cf4f';

async function start(t: { after: (fn: () => unknown) => void }) {
  const defer = deferrer(t);
  const dir = tempDir(defer, 'rv-e2e-');
  const db = await Database.open({ path: dir });
  defer(() => db.close());
  const server = await createServer(db, { host: '127.0.0.1', port: 0, apiKey: API_KEY, logger: false, version: '0.1.0' });
  defer(() => server.close());
  const url = await server.listen();
  // The key goes in a header (not `apiKey`), so the client does not warn about plain http.
  const client = new QdrantClient({ url, headers: { 'api-key': API_KEY }, checkCompatibility: false });
  return { client, url, dir };
}

test('the official Qdrant client: collections, points, search, payloads, aliases, indexes, snapshots, errors', async (t) => {
  const { client, url, dir } = await start(t);

  // Collections.
  assert.equal(await client.createCollection('cities', { vectors: { size: 4, distance: 'Cosine' } }), true);
  assert.deepEqual(await client.collectionExists('cities'), { exists: true });
  assert.deepEqual((await client.getCollections()).collections, [{ name: 'cities' }]);

  // Upsert, both forms, integer and UUID ids.
  const listed = await client.upsert('cities', { wait: true, points: [
    { id: 1, vector: [0.9, 0.1, 0, 0], payload: { city: 'Berlin', country: 'DE', population: 3.6 } },
    { id: 2, vector: [0.8, 0.2, 0.1, 0], payload: { city: 'Hamburg', country: 'DE', population: 1.8 } },
    { id: CITY_UUID, vector: [0.1, 0.9, 0, 0], payload: { city: 'Paris', country: 'FR', population: 2.1 } },
  ] });
  assert.equal(listed.status, 'completed');
  await client.upsert('cities', { batch: {
    ids: [3, 4, 5, 6],
    vectors: [[0.2, 0.8, 0.1, 0], [0, 0, 1, 0], [0, 0.1, 0.9, 0.1], [0.5, 0.5, 0.5, 0.5]],
    payloads: [{ city: 'Lyon', country: 'FR', population: 0.5 }, { city: 'Rome', country: 'IT', population: 2.8 }, { city: 'Milan', country: 'IT', population: 1.4 }, { city: 'Nowhere', population: 0 }],
  } });
  assert.equal((await client.count('cities', { exact: true })).count, 7);

  // Payload index.
  const indexed = await client.createPayloadIndex('cities', { field_name: 'country', field_schema: 'keyword', wait: true });
  assert.equal(indexed.status, 'completed');
  const info = await client.getCollection('cities');
  assert.equal(info.points_count, 7);
  assert.equal(info.payload_schema.country?.data_type, 'keyword');
  assert.equal(info.config.params.vectors && 'size' in info.config.params.vectors ? info.config.params.vectors.size : 0, 4);

  // Query with a filter; by point id; recommend; fusion; MMR; batch.
  const german = await client.query('cities', { query: [1, 0, 0, 0], filter: { must: [{ key: 'country', match: { value: 'DE' } }] }, limit: 5, with_payload: true });
  assert.deepEqual(german.points.map((p) => p.payload?.city), ['Berlin', 'Hamburg']);
  const likeParis = await client.query('cities', { query: CITY_UUID, limit: 1, with_payload: ['city'] });
  assert.deepEqual(likeParis.points.map((p) => p.payload?.city), ['Lyon']);
  const recommended = await client.query('cities', { query: { recommend: { positive: [1], negative: [4] } }, limit: 2, with_payload: true });
  assert.equal(recommended.points[0].payload?.city, 'Hamburg');
  assert.ok(recommended.points.every((p) => p.id !== 1 && p.id !== 4));
  const fused = await client.query('cities', {
    prefetch: [{ query: [1, 0, 0, 0], limit: 3 }, { query: [0, 0, 1, 0], limit: 3 }],
    query: { fusion: 'rrf' }, limit: 4,
  });
  assert.equal(fused.points.length, 4);
  const diverse = await client.query('cities', { query: { nearest: [0.9, 0.1, 0, 0], mmr: { diversity: 0.9, candidates_limit: 7 } }, limit: 3 });
  assert.equal(diverse.points[0].id, 1);
  assert.ok(!diverse.points.slice(0, 2).some((p) => p.id === 2), 'the near-duplicate of the first hit is pushed down');
  const batch = await client.queryBatch('cities', { searches: [{ query: [0, 0, 1, 0], limit: 1 }, { query: { order_by: { key: 'population', direction: 'desc' } }, limit: 2, with_payload: true }] });
  assert.equal(batch[0].points[0].id, 4);
  assert.deepEqual(batch[1].points.map((p) => p.payload?.city), ['Berlin', 'Rome']);

  // Scroll pagination to the end, retrieve.
  const seen: (string | number)[] = [];
  let offset: string | number | Record<string, unknown> | null | undefined;
  do {
    const page = await client.scroll('cities', { limit: 3, offset: offset ?? undefined, with_payload: false });
    seen.push(...page.points.map((p) => p.id));
    offset = page.next_page_offset;
  } while (offset !== null && offset !== undefined && seen.length < 20);
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, CITY_UUID]);
  const retrieved = await client.retrieve('cities', { ids: [CITY_UUID, 4], with_vector: true });
  assert.deepEqual(retrieved.map((r) => r.payload?.city), ['Paris', 'Rome']);
  assert.equal((retrieved[1].vector as number[]).length, 4);

  // Payload operations.
  await client.setPayload('cities', { payload: { capital: true }, points: [1, CITY_UUID, 4] });
  await client.overwritePayload('cities', { payload: { city: 'Nowhere', renamed: true }, points: [6] });
  await client.deletePayload('cities', { keys: ['population'], filter: { must: [{ key: 'country', match: { value: 'IT' } }] } });
  await client.clearPayload('cities', { points: [3] });
  const afterPayload = await client.retrieve('cities', { ids: [1, 3, 5, 6] });
  assert.deepEqual(afterPayload.map((r) => r.payload), [
    { city: 'Berlin', country: 'DE', population: 3.6, capital: true },
    {},
    { city: 'Milan', country: 'IT' },
    { city: 'Nowhere', renamed: true },
  ]);
  assert.equal((await client.count('cities', { filter: { must: [{ key: 'capital', match: { value: true } }] } })).count, 3);

  // Delete by filter.
  await client.delete('cities', { filter: { must: [{ key: 'renamed', match: { value: true } }] }, wait: true });
  assert.equal((await client.count('cities')).count, 6);

  // Aliases.
  await client.updateCollectionAliases({ actions: [{ create_alias: { collection_name: 'cities', alias_name: 'places' } }] });
  assert.deepEqual((await client.getAliases()).aliases, [{ alias_name: 'places', collection_name: 'cities' }]);
  assert.deepEqual((await client.getCollectionAliases('cities')).aliases, [{ alias_name: 'places', collection_name: 'cities' }]);
  assert.equal((await client.count('places')).count, 6);
  await client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: 'places' } }] });
  assert.deepEqual((await client.getAliases()).aliases, []);

  // Snapshots: create, list, download, recover from the file and from an upload.
  const snapshot = await client.createSnapshot('cities');
  assert.ok(snapshot !== null && snapshot.size > 0);
  assert.deepEqual((await client.listSnapshots('cities')).map((s) => s.name), [snapshot.name]);
  const download = await fetch(`${url}/collections/cities/snapshots/${snapshot.name}`, { headers: { 'api-key': API_KEY } });
  assert.equal(download.status, 200);
  const bytes = Buffer.from(await download.arrayBuffer());
  assert.equal(createHash('sha256').update(bytes).digest('hex'), snapshot.checksum);
  const location = pathToFileURL(join(dir, 'snapshots', 'cities', snapshot.name)).href;
  assert.equal(await client.recoverSnapshot('restored', { location, checksum: snapshot.checksum ?? undefined }), true);
  assert.equal((await client.count('restored')).count, 6);
  const form = new FormData();
  form.append('snapshot', new Blob([bytes]), snapshot.name);
  const upload = await fetch(`${url}/collections/uploaded/snapshots/upload?wait=true`, { method: 'POST', body: form, headers: { 'api-key': API_KEY } });
  assert.equal(upload.status, 200, await upload.clone().text());
  assert.equal((await client.count('uploaded')).count, 6);
  assert.equal(await client.deleteSnapshot('cities', snapshot.name), true);

  // Errors the client surfaces by HTTP status.
  await assert.rejects(client.getCollection('missing'), { status: 404 });
  await assert.rejects(client.upsert('cities', { points: [{ id: 9, vector: [1, 2, 3] }] }), { status: 400 });
  await assert.rejects(client.createCollection('cities', { vectors: { size: 4, distance: 'Cosine' } }), { status: 409 });
  const anonymous = new QdrantClient({ url, checkCompatibility: false });
  await assert.rejects(anonymous.getCollections(), { status: 401 });
  const wrongKey = new QdrantClient({ url, headers: { 'api-key': 'nope' }, checkCompatibility: false });
  await assert.rejects(wrongKey.count('cities'), { status: 401 });
  assert.equal((await client.count('cities')).count, 6, 'the refused writes changed nothing');

  assert.equal(await client.deleteCollection('uploaded'), true);
  assert.deepEqual((await client.getCollections()).collections.map((c) => c.name).sort(), ['cities', 'restored']);
});
