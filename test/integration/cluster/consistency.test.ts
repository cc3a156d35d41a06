/**
 * Cluster basics on real servers: 3 NATS (JetStream, R3 streams) + 3 RuVector nodes.
 * A collection created on node A is searchable on B and C with results equal to a single
 * node's on the same data; writes through one node are read through another with
 * read-your-writes (the write token); recommend gives a single node's results; metadata
 * (aliases) converges on every node.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from 'nats';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { Tracing } from '../../../src/observability/index.js';
import { streamName } from '../../../src/cluster/collection-meta.js';
import { Database } from '../../../src/engine/index.js';
import { executeQuery } from '../../../src/server/query/execute-query.js';
import { orderedScroll } from '../../../src/server/query/order-by.js';
import { planQuery } from '../../../src/server/query/query-plan.js';
import { localQueryTarget } from '../../../src/server/query/query-target.js';
import { mulberry32 } from '../../helpers/random.js';
import { NatsCluster, waitFor } from '../../helpers/nats-cluster.js';
import { removeDir, startNode, type TestNode } from './cluster-harness.js';

const DIM = 8;

function randomPoints(count: number, seed: number): { id: number; vector: number[]; payload: Record<string, unknown> }[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => ({ id: i + 1, vector: Array.from({ length: DIM }, () => rand() * 2 - 1), payload: { group: i % 5, name: `p${i + 1}` } }));
}

describe('cluster: collections, search and read-your-writes across nodes', { timeout: 240000 }, () => {
  let nats: NatsCluster;
  const nodes: TestNode[] = [];
  const dirs: string[] = [];
  // One tracing pipeline for the three in-process nodes (ratio 0: only requests that arrive
  // sampled are recorded), so a request's spans on every node land in one exporter.
  const spans = new InMemorySpanExporter();
  const tracing = new Tracing({ exporter: spans, sampleRatio: 0 });

  before(async () => {
    nats = await NatsCluster.start();
    for (const id of ['a', 'b', 'c']) {
      const node = await startNode(nats, id, {}, undefined, undefined, tracing);
      nodes.push(node);
      dirs.push(node.dir);
    }
    await waitFor('every node to see the other two', () => (nodes.every((n) => n.cluster.liveNodes().length === 3) ? true : undefined));
  });

  after(async () => {
    for (const node of nodes) await node.close().catch(() => undefined);
    await tracing.shutdown();
    await nats?.stop();
    for (const dir of dirs) await removeDir(dir);
  });

  test('a collection created on A is searchable on B and C, with the results of a single node', async () => {
    const [a, b, c] = nodes;
    const created = await a.call('PUT', '/collections/docs', { vectors: { size: DIM, distance: 'Cosine' }, shard_number: 3 });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const points = randomPoints(300, 7);
    const upsert = await a.call('PUT', '/collections/docs/points?wait=true', { points });
    assert.equal(upsert.status, 200, JSON.stringify(upsert.body));
    const token = String(upsert.headers['x-ruvector-write-token']);
    assert.match(token, /^\d+:\d+(,\d+:\d+)*$/);
    // wait=true: one replica per shard has applied the upsert; others may still be applying
    // (reads are eventually consistent), so the reads below ask for read-your-writes.
    const after = { 'x-ruvector-read-after': token };

    // The same data on a single node.
    const dir = await mkdtemp(join(tmpdir(), 'rv-single-'));
    dirs.push(dir);
    const single = await Database.open({ path: dir });
    try {
      await single.createCollection('docs', { vectors: { size: DIM, distance: 'Cosine' } });
      await single.collection('docs').upsert({ points });
      const rand = mulberry32(99);
      for (let q = 0; q < 10; q++) {
        const query = { vector: Array.from({ length: DIM }, () => rand() * 2 - 1), limit: 7, offset: q % 3, with_payload: true, params: { exact: true }, ...(q % 2 === 0 ? { filter: { must: [{ key: 'group', match: { value: q % 5 } }] } } : {}) };
        const expected = single.collection('docs').search(query).map((p) => ({ id: p.id, score: p.score, payload: p.payload }));
        for (const node of [b, c]) {
          const response = await node.call('POST', '/collections/docs/points/search', query, after);
          assert.equal(response.status, 200, JSON.stringify(response.body));
          const got = (response.body.result as { id: number; score: number; payload: unknown }[]).map((p) => ({ id: p.id, score: p.score, payload: p.payload }));
          assert.deepEqual(got.map((p) => p.id), expected.map((p) => p.id), `query ${q} on node ${node.id}`);
          got.forEach((p, i) => assert.ok(Math.abs(p.score - expected[i].score) < 1e-6));
          assert.deepEqual(got.map((p) => p.payload), expected.map((p) => p.payload));
        }
      }
      // Recommend: example ids looked up on their shards, examples excluded; equal to a single node.
      const recommendations = [
        { positive: [3, 17], negative: [42], limit: 5, params: { exact: true } },
        { positive: [5, randomPoints(1, 3)[0].vector], limit: 6, offset: 1, params: { exact: true }, filter: { must: [{ key: 'group', match: { value: 1 } }] }, with_payload: true },
      ];
      for (const [r, body] of recommendations.entries()) {
        const expected = single.collection('docs').recommend(body).map((p) => ({ id: p.id, score: p.score, payload: p.payload }));
        const response = await c.call('POST', '/collections/docs/points/recommend', body, after);
        assert.equal(response.status, 200, JSON.stringify(response.body));
        const got = (response.body.result as { id: number; score: number; payload?: unknown }[]);
        assert.deepEqual(got.map((p) => p.id), expected.map((p) => p.id), `recommendation ${r}`);
        got.forEach((p, i) => assert.ok(Math.abs(p.score - expected[i].score) < 1e-6));
        assert.deepEqual(got.map((p) => p.payload), expected.map((p) => p.payload));
      }
      const batch = await b.call('POST', '/collections/docs/points/recommend/batch', { searches: recommendations }, after);
      assert.equal(batch.status, 200, JSON.stringify(batch.body));
      assert.deepEqual((batch.body.result as { id: number }[][]).map((list) => list.map((p) => p.id)), recommendations.map((body) => single.collection('docs').recommend(body).map((p) => p.id)));
      const missing = await b.call('POST', '/collections/docs/points/recommend', { positive: [1, 99999] }, after);
      assert.equal(missing.status, 404, JSON.stringify(missing.body));
      assert.match(JSON.stringify(missing.body), /99999.*positive\[1\]/);

      const count = await c.call('POST', '/collections/docs/points/count', { filter: { must: [{ key: 'group', match: { value: 2 } }] } }, after);
      assert.deepEqual(count.body.result, single.collection('docs').count({ filter: { must: [{ key: 'group', match: { value: 2 } }] } }));
      const scrolled: number[] = [];
      let offset: unknown = null;
      do {
        const page = await b.call('POST', '/collections/docs/points/scroll', { limit: 64, ...(offset === null ? {} : { offset }) }, after);
        const result = page.body.result as { points: { id: number }[]; next_page_offset: unknown };
        scrolled.push(...result.points.map((p) => p.id));
        offset = result.next_page_offset;
      } while (offset !== null);
      assert.deepEqual(scrolled, points.map((p) => p.id));
      await waitFor('every replica applied the upsert (points_count 300 through B)', async () => (((await b.call('GET', '/collections/docs')).body.result as { points_count: number }).points_count === 300 ? true : undefined));
      const info = await b.call('GET', '/collections/docs');
      assert.equal((info.body.result as { config: { params: { shard_number: number } } }).config.params.shard_number, 3);
    } finally {
      await single.close();
    }
  });

  test('writes through one node are read through another with read-your-writes', async () => {
    const [a, b, c] = nodes;
    assert.equal((await b.call('PUT', '/collections/ryw', { vectors: { size: DIM, distance: 'Dot' }, shard_number: 2 })).status, 200);
    for (let i = 0; i < 20; i++) {
      const writer = nodes[i % 3];
      const reader = nodes[(i + 1) % 3];
      const id = 1000 + i;
      const write = await writer.call('PUT', '/collections/ryw/points?wait=false', { points: [{ id, vector: Array.from({ length: DIM }, (_, d) => (d === i % DIM ? 1 : 0)), payload: { i } }] });
      assert.equal(write.status, 200, JSON.stringify(write.body));
      assert.equal((write.body.result as { status: string }).status, 'acknowledged');
      const token = String(write.headers['x-ruvector-write-token']);
      const read = await reader.call('GET', `/collections/ryw/points/${id}`, undefined, { 'x-ruvector-read-after': token });
      assert.equal(read.status, 200, `point ${id} written via ${writer.id}, read via ${reader.id}: ${JSON.stringify(read.body)}`);
      assert.deepEqual((read.body.result as { payload: unknown }).payload, { i });
    }
    const count = await c.call('POST', '/collections/ryw/points/count', {}, { 'x-ruvector-read-after': '0:1000000' }).catch(() => undefined);
    assert.equal(count?.status, 504, 'a sequence nobody reached times out (RV_CLUSTER_TIMEOUT)');
    const bad = await a.call('POST', '/collections/ryw/points/count', {}, { 'x-ruvector-read-after': 'nonsense' });
    assert.equal(bad.status, 400);
    const filterError = await a.call('POST', '/collections/ryw/points/search', { vector: Array(DIM).fill(1), filter: { must: [{ nope: 1 }] } });
    assert.equal(filterError.status, 400, 'a bad filter evaluated on a replica is a 400 on the receiving node');
  });

  test('aliases and deletes converge on every node; the cluster routes report shards', async () => {
    const [a, b, c] = nodes;
    assert.equal((await a.call('POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'docs', alias_name: 'current' } }] })).status, 200);
    await waitFor('the alias on C', async () => ((await c.call('GET', '/aliases')).body.result as { aliases: unknown[] }).aliases.length === 1 ? true : undefined);
    const viaAlias = await c.call('POST', '/collections/current/points/count', {}, { 'x-ruvector-read-after': '0:1,1:1,2:1' });
    assert.deepEqual(viaAlias.body.result, { count: 300 });
    const status = await b.call('GET', '/cluster');
    const result = status.body.result as { status: string; peers: Record<string, unknown>; nodes: { healthy: boolean }[] };
    assert.equal(result.status, 'enabled');
    assert.equal(Object.keys(result.peers).length, 3);
    assert.ok(result.nodes.every((n) => n.healthy));
    const shards = await a.call('GET', '/collections/docs/cluster');
    const info = shards.body.result as { shard_count: number; shards: { stream_last_seq: number; stream_leader: string | null; replicas: { applied_seq: number }[] }[] };
    assert.equal(info.shard_count, 3);
    for (const shard of info.shards) {
      assert.ok(shard.stream_leader !== null);
      assert.equal(shard.replicas.length, 3, 'replication factor 3 on 3 nodes: a replica on every node');
    }
    for (const [method, path] of [['POST', '/collections/docs/snapshots'], ['GET', '/collections/docs/snapshots'], ['PUT', '/collections/docs/snapshots/recover']] as const) {
      const refused = await a.call(method, path, method === 'PUT' ? { location: 'file:///tmp/x.snapshot' } : undefined);
      assert.equal(refused.status, 400, `${method} ${path}: ${JSON.stringify(refused.body)}`);
      assert.equal((refused.body as { code?: string }).code, 'RV_CLUSTER_UNSUPPORTED');
    }
    assert.equal((await b.call('DELETE', '/collections/ryw')).status, 200);
    await waitFor('the delete on every node', () => (nodes.every((n) => !n.cluster.hasCollection('ryw') && n.db.listCollections().every((l) => !l.endsWith('-s1') || n.db.listCollections().length <= 3)) ? true : undefined));
    assert.equal((await c.call('POST', '/collections/ryw/points/count', {})).status, 404);
  });

  test('the universal query: every form answers what a single node does (nearest = the search route; prefetch, fusion, order_by, MMR, point id, recommend); scroll by order_by', async () => {
    const [a, b, c] = nodes;
    const after = { 'x-ruvector-read-after': '0:1,1:1,2:1' };
    const rand = mulberry32(123);
    for (let q = 0; q < 8; q++) {
      const vector = Array.from({ length: DIM }, () => rand() * 2 - 1);
      const common = {
        limit: 4 + q, offset: q % 3, with_payload: q % 2 === 0 ? true : ['name'], with_vector: q % 3 === 0, params: { exact: true },
        ...(q % 2 === 1 ? { filter: { must: [{ key: 'group', match: { value: q % 5 } }] } } : {}),
        ...(q % 4 === 2 ? { score_threshold: 0.1 } : {}),
      };
      const searched = await c.call('POST', '/collections/docs/points/search', { vector, ...common }, after);
      assert.equal(searched.status, 200, JSON.stringify(searched.body));
      const queried = await b.call('POST', '/collections/docs/points/query', { query: q % 2 === 0 ? vector : { nearest: vector }, ...common }, after);
      assert.equal(queried.status, 200, JSON.stringify(queried.body));
      const points = (queried.body.result as { points: unknown[] }).points;
      assert.ok((searched.body.result as unknown[]).length > 0, `query ${q} finds something`);
      assert.deepEqual(points, searched.body.result, `query ${q}`);
    }
    const batch = await a.call('POST', '/collections/docs/points/query/batch', { searches: [{ query: Array(DIM).fill(0.5), limit: 3 }, { query: { nearest: Array(DIM).fill(-0.5) }, limit: 2, with_payload: true }] }, after);
    assert.equal(batch.status, 200, JSON.stringify(batch.body));
    const searched = await a.call('POST', '/collections/docs/points/search', { vector: Array(DIM).fill(-0.5), limit: 2, with_payload: true }, after);
    const batchedNearest = batch.body.result as { points: unknown[] }[];
    assert.deepEqual(batchedNearest.map((r) => r.points.length), [3, 2]);
    assert.deepEqual(batchedNearest[1].points, searched.body.result);

    // Every other form runs on the receiving node over the cluster's reads: the same answers
    // (ids, scores, payloads, order values) as a single node holding the same points.
    const dir = await mkdtemp(join(tmpdir(), 'rv-single-query-'));
    dirs.push(dir);
    const single = await Database.open({ path: dir });
    try {
      await single.createCollection('docs', { vectors: { size: DIM, distance: 'Cosine' } });
      await single.collection('docs').upsert({ points: randomPoints(300, 7) });
      const vector = Array(DIM).fill(0.1);
      const other = Array.from({ length: DIM }, (_, i) => (i % 2 === 0 ? 0.3 : -0.2));
      const forms: Record<string, unknown>[] = [
        { prefetch: [{ query: vector, limit: 20 }, { query: other, limit: 20, filter: { must: [{ key: 'group', match: { value: 1 } }] } }], query: { fusion: 'rrf' }, limit: 8, with_payload: true },
        { prefetch: [{ query: vector, limit: 15 }, { query: other, limit: 15 }], query: { fusion: 'dbsf' }, limit: 6 },
        { prefetch: { query: other, limit: 40, params: { exact: true } }, query: vector, limit: 5, offset: 1, with_payload: ['name'] },
        { query: { order_by: { key: 'group', direction: 'desc' } }, limit: 7, with_payload: true },
        { query: { nearest: vector, mmr: { diversity: 0.5, candidates_limit: 30 } }, limit: 5, params: { exact: true } },
        { query: 17, limit: 5, params: { exact: true }, with_payload: true },
        { limit: 6, filter: { must: [{ key: 'group', match: { value: 3 } }] } },
        { query: { recommend: { positive: [1, 4], negative: [2] } }, limit: 4, params: { exact: true } },
      ];
      for (const [i, body] of forms.entries()) {
        const expected = await executeQuery(localQueryTarget(single.collection('docs')), planQuery(body, single.limits), single.limits.maxSearchLimit);
        const response = await [a, b, c][i % 3].call('POST', '/collections/docs/points/query', body, after);
        assert.equal(response.status, 200, `${JSON.stringify(body)}: ${JSON.stringify(response.body)}`);
        const got = (response.body.result as { points: { id: number; score: number; payload?: unknown; order_value?: number }[] }).points;
        assert.ok(expected.length > 0, `form ${i} finds something`);
        assert.deepEqual(got.map((p) => p.id), expected.map((p) => p.id), `form ${i}: ${JSON.stringify(body)}`);
        got.forEach((p, k) => assert.ok(Math.abs(p.score - expected[k].score) < 1e-6, `form ${i} score ${k}`));
        assert.deepEqual(got.map((p) => p.payload), expected.map((p) => p.payload), `form ${i} payloads`);
        assert.deepEqual(got.map((p) => p.order_value), expected.map((p) => p.order_value), `form ${i} order values`);
      }
      const batched = await a.call('POST', '/collections/docs/points/query/batch', { searches: [forms[0], forms[3]] }, after);
      assert.equal(batched.status, 200, JSON.stringify(batched.body));
      assert.deepEqual((batched.body.result as { points: { id: number }[] }[]).map((r) => r.points.map((p) => p.id)),
        (await Promise.all([forms[0], forms[3]].map((body) => executeQuery(localQueryTarget(single.collection('docs')), planQuery(body, single.limits), single.limits.maxSearchLimit)))).map((r) => r.map((p) => p.id)));
      // Scroll ordered by a payload value.
      const scrollBody = { order_by: { key: 'group' }, limit: 9, with_payload: true };
      const scrolled = await b.call('POST', '/collections/docs/points/scroll', scrollBody, after);
      assert.equal(scrolled.status, 200, JSON.stringify(scrolled.body));
      const expectedScroll = await orderedScroll(localQueryTarget(single.collection('docs')), scrollBody, single.limits.maxSearchLimit);
      const gotScroll = scrolled.body.result as { points: { id: number; order_value: number }[] };
      assert.deepEqual(gotScroll.points.map((p) => p.order_value), expectedScroll.points.map((p) => p.order_value));
      assert.deepEqual(gotScroll.points.map((p) => p.id), expectedScroll.points.map((p) => p.id));
    } finally {
      await single.close();
    }
    const missing = await a.call('POST', '/collections/docs/points/query', { query: 99999 }, after);
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    const badBatch = await a.call('POST', '/collections/docs/points/query/batch', { searches: [{ query: Array(DIM).fill(0.1) }, { query: { fusion: 'rrf' } }] });
    assert.equal(badBatch.status, 400, JSON.stringify(badBatch.body));
    assert.match(String((badBatch.body as { status?: { error?: string } }).status?.error), /searches\[1\]/);
    const badVector = await a.call('POST', '/collections/docs/points/query', { query: [1, 2] });
    assert.equal(badVector.status, 400, 'a vector of the wrong size is the engine\'s 400, as on a single node');
    // The recommend form is a recommend, with the same answer as /points/recommend.
    const recommended = await a.call('POST', '/collections/docs/points/query', { query: { recommend: { positive: [1], negative: [2] } }, limit: 4, params: { exact: true } });
    assert.equal(recommended.status, 200, JSON.stringify(recommended.body));
    const legacy = await a.call('POST', '/collections/docs/points/recommend', { positive: [1], negative: [2], limit: 4, params: { exact: true } });
    assert.equal((legacy.body.result as unknown[]).length, 4);
    assert.deepEqual((recommended.body.result as { points: { id: number }[] }).points.map((p) => p.id), (legacy.body.result as { id: number }[]).map((p) => p.id));
  });

  test('PATCH /collections/{name}: every replica applies the update; replication_factor moves replicas and stream replicas', async () => {
    const [a, b, c] = nodes;
    assert.equal((await a.call('PUT', '/collections/tuned', { vectors: { size: DIM, distance: 'Euclid' }, shard_number: 2 })).status, 200);
    const points = randomPoints(60, 11);
    const written = await a.call('PUT', '/collections/tuned/points?wait=true', { points });
    const after = { 'x-ruvector-read-after': String(written.headers['x-ruvector-write-token']) };
    const query = { vector: points[5].vector, limit: 5, params: { exact: true } };
    const before = (await b.call('POST', '/collections/tuned/points/search', query, after)).body.result as { id: number }[];

    const bad = await b.call('PATCH', '/collections/tuned', { hnsw_config: { m: -1 } });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.match(JSON.stringify(bad.body), /hnsw_config\.m/);

    const patched = await b.call('PATCH', '/collections/tuned', { hnsw_config: { m: 24, ef_construct: 150 }, optimizers_config: { indexing_threshold: 5000 }, params: { replication_factor: 2 } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    for (const node of nodes) {
      await waitFor(`node ${node.id} to report the update`, async () => {
        const config = ((await node.call('GET', '/collections/tuned')).body.result as { config: { hnsw_config: { m: number; ef_construct: number }; optimizer_config: { indexing_threshold: number }; params: { replication_factor: number } } }).config;
        return config.hnsw_config.m === 24 && config.hnsw_config.ef_construct === 150 && config.optimizer_config.indexing_threshold === 5000 && config.params.replication_factor === 2 ? true : undefined;
      });
    }
    // Replication factor 2 on 3 nodes: each shard ends on two nodes, and every remaining replica has the new config.
    await waitFor('two replicas per shard', async () => {
      const shards = ((await c.call('GET', '/collections/tuned/cluster')).body.result as { shards: { replicas: unknown[] }[] }).shards;
      return shards.every((shard) => shard.replicas.length === 2) ? true : undefined;
    }, 60000);
    const uid = a.cluster.resolve('tuned').uid;
    for (let shard = 0; shard < 2; shard++) {
      const holders = nodes.filter((n) => n.db.hasCollection(`c-${uid}-s${shard}`));
      assert.equal(holders.length, 2, `shard ${shard} held by two nodes`);
      for (const holder of holders) assert.equal(holder.db.collection(`c-${uid}-s${shard}`).config.hnsw_config.m, 24, `the replica of shard ${shard} on ${holder.id} applied the update`);
    }
    const nc = await connect({ servers: nats.urls });
    try {
      const jsm = await nc.jetstreamManager();
      for (let shard = 0; shard < 2; shard++) assert.equal((await jsm.streams.info(streamName(uid, shard))).config.num_replicas, 2, `stream of shard ${shard} at R2`);
    } finally {
      await nc.close();
    }
    assert.deepEqual(((await c.call('POST', '/collections/tuned/points/search', query, after)).body.result as { id: number }[]).map((p) => p.id), before.map((p) => p.id), 'the same answers after the move');
    assert.deepEqual((await a.call('POST', '/collections/tuned/points/count', {}, after)).body.result, { count: 60 });
  });

  test('tracing: a sampled search continues the caller\'s trace; each shard request is a span under the receiving node\'s request span, on the node that served it', async () => {
    const [a] = nodes;
    spans.reset();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await a.call('POST', '/collections/docs/points/search', { vector: Array(DIM).fill(0.5), limit: 3 }, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const finished = await waitFor('the shard spans', () => {
      const all = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      return all.filter((s) => s.name.startsWith('ruvector.shard.')).length >= 3 ? all : undefined;
    });
    const server = finished.find((s) => s.name.startsWith('POST '));
    assert.ok(server !== undefined, finished.map((s) => s.name).join(', '));
    assert.equal(server.parentSpanContext?.spanId, '00f067aa0ba902b7', 'the server span continues the caller\'s');
    const shardSpans = finished.filter((s) => s.name.startsWith('ruvector.shard.'));
    assert.equal(new Set(shardSpans.map((s) => s.name)).size, 3, 'one span per shard (3 shards)');
    for (const shard of shardSpans) assert.equal(shard.parentSpanContext?.spanId, server.spanContext().spanId, `${shard.name} is a child of the request span`);
    // An unsampled request records nothing anywhere.
    spans.reset();
    await a.call('POST', '/collections/docs/points/search', { vector: Array(DIM).fill(0.5), limit: 3 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(spans.getFinishedSpans().map((s) => s.name), []);
  });

  test('metrics: fan-out durations per operation; the per-node breakers in the breaker gauge and /ready', async () => {
    const [a] = nodes;
    const scrape = async (): Promise<string> => {
      const response = await a.server.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(response.statusCode, 200);
      return response.body;
    };
    const sample = (text: string, series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? 0 : Number(line.slice(series.length + 1));
    };
    const searchCount = 'ruvector_cluster_fanout_duration_seconds_count{op="search",outcome="ok"}';
    const searchSum = 'ruvector_cluster_fanout_duration_seconds_sum{op="search",outcome="ok"}';
    const before = await scrape();
    const searches = 6;
    for (let i = 0; i < searches; i++) {
      const response = await a.call('POST', '/collections/docs/points/search', { vector: Array.from({ length: DIM }, (_, d) => (d === i ? 1 : 0.1)), limit: 3 });
      assert.equal(response.status, 200, JSON.stringify(response.body));
    }
    assert.equal((await a.call('POST', '/collections/docs/points/search', { vector: Array(DIM).fill(1), filter: { must: [{ nope: 1 }] } })).status, 400);
    const counted = await scrape();
    assert.equal(sample(counted, searchCount) - sample(before, searchCount), searches, 'one observation per search request (one fan-out over 3 shards)');
    assert.ok(sample(counted, searchSum) > sample(before, searchSum), 'the durations add up to more than zero');
    process.stdout.write(`# cluster fan-out: ${searches} searches over 3 shards, mean ${((sample(counted, searchSum) - sample(before, searchSum)) / searches * 1000).toFixed(1)} ms per fan-out\n`);
    assert.equal(sample(counted, 'ruvector_cluster_fanout_duration_seconds_count{op="search",outcome="error"}') - sample(before, 'ruvector_cluster_fanout_duration_seconds_count{op="search",outcome="error"}'), 1, 'the bad filter is an error fan-out');
    assert.match(counted, /^ruvector_cluster_nats_reconnects_total 0$/m, 'declared, and no reconnect on a healthy cluster');
    // Membership and replication lag (fed every second by the harness): 3 healthy nodes; every
    // local replica sampled, in operations and in seconds (the age of its oldest unapplied entry).
    await waitFor('lag samples in ops and seconds', async () => {
      const text = await scrape();
      return sample(text, 'ruvector_replication_lag_ops_count') > 0 && sample(text, 'ruvector_replication_lag_seconds_count') > 0 ? true : undefined;
    });
    const membership = await scrape();
    assert.equal(sample(membership, 'ruvector_cluster_nodes_total'), 3);
    assert.equal(sample(membership, 'ruvector_cluster_nodes_healthy'), 3);
    assert.ok(sample(membership, 'ruvector_replication_lag_seconds_sum') < 60, 'caught-up replicas: lag seconds near 0');

    // A replica that does not exist: the shard's queue group has no responder here either, so
    // every attempt goes to the node directly and fails; its breaker opens after 3 failures.
    // (FanOut is private to ClusterNode: reached here to drive the real breaker wiring.)
    const fanOut = (a.cluster as unknown as { fanOut: { ask(uid: string, shard: number, request: { op: string; body: object }, replicas: string[]): Promise<unknown> } }).fanOut;
    await assert.rejects(fanOut.ask('nouid', 0, { op: 'count', body: {} }, ['ghost']), (error: { code?: string }) => error.code === 'RV_CLUSTER_UNAVAILABLE');
    const breaker = a.cluster.breakerStatuses().find((status) => status.name.startsWith('cluster:node:ghost:'));
    assert.equal(breaker?.state, 'open', JSON.stringify(a.cluster.breakerStatuses()));
    assert.equal(sample(await scrape(), `ruvector_circuit_breaker_state{name="${breaker.name}"}`), 2, 'open is 2 in the breaker gauge');
    const ready = await a.server.app.inject({ method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 200, 'a peer\'s breaker is not critical: the node stays ready (other replicas serve)');
    const listed = (JSON.parse(ready.body) as { checks: { dependencies: { breakers: { name: string; state: string }[] } } }).checks.dependencies.breakers;
    assert.deepEqual(listed.filter((b) => b.name === breaker.name).map((b) => b.state), ['open']);
  });
});
