// The engine-fed series the dashboards and alerts read, from a real database behind a real server:
// checkpoint age after a restart (the checkpoint file's time), operations since it, op-log length,
// the live quantizer's ratio, the data directory's disk usage, load shedding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Database } from '../../../src/index.js';
import { createServer } from '../../../src/server/index.js';
import { deferrer, tempDir } from '../server/helpers.js';
import { fetchRetrying } from './deploy-helpers.js';

function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

test('checkpoint, op-log, quantization and disk series from a real database', { timeout: 120_000 }, async (t) => {
  const defer = deferrer(t);
  const dir = tempDir(defer, 'rv-engine-series-');
  const dim = 8;
  const points = Array.from({ length: 300 }, (_, i) => ({ id: i + 1, vector: Array.from({ length: dim }, (_, j) => Math.sin(i * 7 + j)) }));

  // First life: write, then close (closing writes the index checkpoint).
  const first = await Database.open({ path: dir });
  await first.createCollection('q', { vectors: { size: dim, distance: 'Cosine' }, quantization_config: { scalar: { type: 'int8', quantile: 0.99 } } });
  await first.collection('q').upsert({ points }, { wait: true });
  await first.close();

  // Second life: the checkpoint is the one on disk; a few more writes follow it.
  const db = await Database.open({ path: dir });
  defer(() => db.close());
  const apiKey = 'engine-series-key';
  const server = await createServer(db, { host: '127.0.0.1', port: 0, apiKey, logger: false, version: '0.1.0-test' });
  defer(() => server.close());
  const base = await server.listen();
  const headers = { 'api-key': apiKey, 'content-type': 'application/json' };
  const more = await fetchRetrying(`${base}/collections/q/points?wait=true`, { method: 'PUT', headers, body: JSON.stringify({ points: [{ id: 1000, vector: points[0].vector }, { id: 1001, vector: points[1].vector }] }) });
  assert.equal(more.status, 200, await more.text());

  const scrape = async (): Promise<Map<string, number>> => samples(await (await fetchRetrying(`${base}/metrics`, { headers })).text());
  // The quantizer trains in slices between requests: wait for it.
  const deadline = Date.now() + 60_000;
  let s = await scrape();
  while (s.get('ruvector_quantization_ratio{collection="q",tier="scalar"}') === undefined) {
    if (Date.now() > deadline) assert.fail('the scalar quantizer never went live');
    await new Promise((resolve) => setTimeout(resolve, 100));
    s = await scrape();
  }
  assert.equal(s.get('ruvector_quantization_ratio{collection="q",tier="scalar"}'), (dim * 4) / dim, 'int8 codes: 4 float bytes per code byte');

  const age = s.get('ruvector_collection_checkpoint_age_seconds{collection="q"}');
  assert.ok(age !== undefined && age >= 0 && age < 600, `checkpoint age ${age}`);
  const applied = s.get('ruvector_collection_applied_sequence{collection="q"}') ?? 0;
  const since = s.get('ruvector_collection_ops_since_checkpoint{collection="q"}') ?? -1;
  assert.ok(since >= 1 && since < applied, `ops since checkpoint ${since} (applied ${applied}): the upsert after the restart`);
  assert.ok((s.get('ruvector_collection_oplog_length{collection="q"}') ?? 0) >= 1);

  const disk = (type: string): number | undefined => s.get(`ruvector_disk_usage_bytes{path="${dir}",type="${type}"}`);
  assert.ok((disk('total') ?? 0) > 0);
  assert.ok((disk('available') ?? -1) >= 0);
  assert.ok((disk('data') ?? 0) > 0, 'the collection\'s files count as data');
  assert.equal(s.get('ruvector_load_shed_requests_total'), 0);
});

test('load shedding counts each refused request', { timeout: 60_000 }, async (t) => {
  const defer = deferrer(t);
  const dir = tempDir(defer, 'rv-shed-series-');
  const db = await Database.open({ path: dir });
  defer(() => db.close());
  const server = await createServer(db, { host: '127.0.0.1', port: 0, authDisabled: true, logger: false, version: '0.1.0-test', loadShedding: { maxInFlight: 1 } });
  defer(() => server.close());
  const base = new URL(await server.listen());

  // Hold the only slot: a request whose body never finishes is admitted (onRequest) and stays in flight.
  const held = request({ method: 'PUT', host: base.hostname, port: base.port, path: '/collections/held', headers: { 'content-type': 'application/json', 'content-length': '100' } });
  held.on('error', () => undefined); // destroyed below
  held.write('{"vectors":');
  defer(() => held.destroy());
  const deadline = Date.now() + 30_000;
  let refused = 0;
  while (refused < 2) {
    if (Date.now() > deadline) assert.fail('the held request never filled the in-flight slot');
    const status = (await fetch(`${base.origin}/collections`)).status;
    if (status === 503) refused += 1;
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  held.destroy();
  // Once the held request is released, the scrape is admitted.
  let text = '';
  while (text === '') {
    if (Date.now() > deadline) assert.fail('the slot was never released');
    const response = await fetch(`${base.origin}/metrics`);
    if (response.status === 200) text = await response.text();
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const shed = samples(text).get('ruvector_load_shed_requests_total') ?? 0;
  assert.ok(shed >= refused, `ruvector_load_shed_requests_total ${shed} counts the ${refused} refusals seen (and any /metrics polls shed meanwhile)`);
});
