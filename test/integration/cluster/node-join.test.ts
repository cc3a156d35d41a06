/**
 * Membership changes on real servers. A fourth node joins a running cluster: its replicas start
 * from the latest shard snapshot in the JetStream object store (the streams were truncated
 * behind it, so the snapshot is the only source of the old writes), then apply the stream tail,
 * and it serves. A node hosting a replica leaves: the next node in the placement takes the
 * replica over (snapshot + tail) and the shard is back to replication_factor copies; when the
 * node returns, the stand-in's copy is surplus and is dropped once the returned one caught up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { NatsCluster, waitFor } from '../../helpers/nats-cluster.js';
import { localCollectionName } from '../../../src/cluster/collection-meta.js';
import { rankByRendezvous } from '../../../src/cluster/index.js';
import { removeDir, startNode, type TestNode } from './cluster-harness.js';

const DIM = 4;
const point = (id: number): { id: number; vector: number[]; payload: { id: number } } => ({ id, vector: [Math.sin(id), Math.cos(id), Math.sin(id * 2), 1], payload: { id } });

const hosts = (nodes: TestNode[], collection: string): TestNode[] =>
  nodes.filter((n) => n.cluster.localReplicas().some((r) => r.collection === collection && r.serving));

describe('cluster: a fourth node joins from snapshot + tail; a leaving node\'s replicas move', { timeout: 240000 }, () => {
  let nats: NatsCluster;
  const nodes: TestNode[] = [];

  before(async () => {
    nats = await NatsCluster.start();
    // stream_retain_ops 0: a snapshot truncates its stream right behind it.
    for (const id of ['a', 'b', 'c']) nodes.push(await startNode(nats, id, { streamRetainOps: 0, snapshotEveryOps: 0 }));
    await waitFor('three live nodes', () => (nodes.every((n) => n.cluster.liveNodes().length === 3) ? true : undefined));
  });

  after(async () => {
    for (const node of nodes) await node.close().catch(() => undefined);
    await nats?.stop();
    for (const node of nodes) await removeDir(node.dir);
  });

  test('the new node restores the snapshot, applies the tail and serves', async () => {
    const [a, b] = nodes;
    assert.equal((await a.call('PUT', '/collections/grow', { vectors: { size: DIM, distance: 'Euclid' }, shard_number: 2, replication_factor: 4 })).status, 200);
    assert.equal((await a.call('PUT', '/collections/grow/points?wait=true', { points: Array.from({ length: 200 }, (_, i) => point(i + 1)) })).status, 200);
    // wait=true means one replica per shard applied; A's own replicas may still be behind, and a
    // snapshot covers what its replica applied: let A catch up so the snapshot holds all 200.
    await waitFor('A holds all 200 points on its two shard replicas', () => {
      const replicas = a.cluster.localReplicas().filter((r) => r.collection === 'grow');
      const held = a.db.listCollections().reduce((sum, name) => sum + a.db.collection(name).count({}).count, 0);
      return replicas.length === 2 && replicas.every((r) => r.serving) && held === 200 ? true : undefined;
    }, 60000);
    const snapshots = await a.cluster.snapshotCollection('grow');
    assert.equal(Object.keys(snapshots).length, 2, 'a snapshot of each shard');
    const tail = await b.call('PUT', '/collections/grow/points?wait=true', { points: Array.from({ length: 50 }, (_, i) => point(201 + i)) });
    assert.equal(tail.status, 200);
    const before = await a.cluster.collectionCluster('grow');
    for (const shard of before.shards) assert.ok(shard.firstSeq > 1, `shard ${shard.shard} stream truncated behind the snapshot (first seq ${shard.firstSeq})`);

    const joinedAt = Date.now();
    const d = await startNode(nats, 'd', { streamRetainOps: 0, snapshotEveryOps: 0 });
    nodes.push(d);
    const servedAt = await waitFor('d serving both shards, caught up', () => {
      const replicas = d.cluster.localReplicas();
      return replicas.length === 2 && replicas.every((r) => r.serving && r.lag === 0 && r.applied > 0) ? Date.now() : undefined;
    }, 60000);
    const local = d.db.listCollections().reduce((sum, name) => sum + d.db.collection(name).count({}).count, 0);
    assert.equal(local, 250, 'the new node holds every point: 200 from the snapshot, 50 from the tail');
    process.stdout.write(`# node join: d served both shards ${servedAt - joinedAt} ms after it started (snapshot + tail, streams truncated at ${before.shards.map((s) => s.firstSeq).join('/')})\n`);
    const after = { 'x-ruvector-read-after': String(tail.headers['x-ruvector-write-token']) };
    const viaD = await d.call('POST', '/collections/grow/points/search', { vector: point(7).vector, limit: 3, params: { exact: true } }, after);
    const viaA = await a.call('POST', '/collections/grow/points/search', { vector: point(7).vector, limit: 3, params: { exact: true } }, after);
    assert.deepEqual(viaD.body.result, viaA.body.result);
    assert.equal((viaD.body.result as { id: number }[])[0].id, 7);
    await waitFor('four healthy peers in GET /cluster', async () => (Object.keys(((await a.call('GET', '/cluster')).body.result as { peers: object }).peers).length === 4 ? true : undefined));
  });

  test('a node that leaves is replaced in the placement; when it returns, the stand-in drops its surplus copy', async () => {
    const a = nodes[0];
    const created = await a.call('PUT', '/collections/moved', { vectors: { size: DIM, distance: 'Euclid' }, shard_number: 1, replication_factor: 2 });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const written = await a.call('PUT', '/collections/moved/points?wait=true', { points: Array.from({ length: 100 }, (_, i) => point(i + 1)) });
    assert.equal(written.status, 200);
    const placed = await waitFor('two nodes serving the shard', () => { const h = hosts(nodes, 'moved'); return h.length === 2 ? h : undefined; }, 60000);
    const leaving = placed.find((n) => n !== a) as TestNode;
    const others = nodes.filter((n) => n !== leaving);
    const before = new Set(placed.map((n) => n.id));

    const leftAt = Date.now();
    await leaving.close();
    const standIn = await waitFor('a node outside the old placement serving the shard, caught up', () => others.find((n) => !before.has(n.id)
      && n.cluster.localReplicas().some((r) => r.collection === 'moved' && r.serving && r.lag === 0 && r.applied > 0)), 60000);
    process.stdout.write(`# node leave: ${standIn.id} took over ${leaving.id}'s replica ${Date.now() - leftAt} ms after ${leaving.id} left\n`);
    const local = localCollectionName(a.cluster.resolve('moved').uid, 0);
    await waitFor('the stand-in holds every point', () => (standIn.db.hasCollection(local) && standIn.db.collection(local).count({}).count === 100 ? true : undefined), 30000);
    // Two copies again (a third may serve for a moment while the placement settles: surplus copies go after a grace period).
    await waitFor('two copies again', () => (hosts(others, 'moved').length === 2 ? true : undefined), 30000);
    const metrics = String((await standIn.server.app.inject({ method: 'GET', url: '/metrics' })).body);
    assert.ok(Number(/^ruvector_cluster_shard_reassignments_total (\S+)$/m.exec(metrics)?.[1] ?? 0) >= 1, 'the stand-in counted the reassignment');
    const count = await a.call('POST', '/collections/moved/points/count', { exact: true });
    assert.deepEqual(count.body.result, { count: 100 });

    // The node returns with its data: it is placed again, resumes its replica, and the stand-in's copy goes.
    const returned = await startNode(nats, leaving.id, { streamRetainOps: 0, snapshotEveryOps: 0 }, leaving.dir);
    nodes[nodes.indexOf(leaving)] = returned;
    await waitFor('the returned node serving the shard again', () => (hosts([returned], 'moved').length === 1 ? true : undefined), 60000);
    await waitFor('the stand-in to drop its surplus copy', () => (hosts([standIn], 'moved').length === 0 ? true : undefined), 60000);
    await waitFor('back to replication_factor copies', () => (hosts(nodes, 'moved').length === 2 ? true : undefined), 30000);
    assert.equal(standIn.db.hasCollection(local), false, 'the surplus local collection is deleted');
    assert.deepEqual((await a.call('POST', '/collections/moved/points/count', { exact: true })).body.result, { count: 100 });
    assert.equal(returned.db.collection(local).count({}).count, 100);
  });

  test('automatic snapshots truncate the stream; a node that was away past the truncation repairs the gap from the snapshot', async () => {
    const a = nodes[0];
    assert.equal(nodes.length, 4);
    assert.equal((await a.call('PUT', '/collections/gap', { vectors: { size: DIM, distance: 'Euclid' }, shard_number: 1, replication_factor: 4 })).status, 200);
    assert.equal((await a.call('PUT', '/collections/gap/points?wait=true', { points: Array.from({ length: 20 }, (_, i) => point(i + 1)) })).status, 200);
    await waitFor('all four nodes serving the shard, caught up', () => (nodes.every((n) => n.cluster.localReplicas().some((r) => r.collection === 'gap' && r.serving && r.lag === 0 && r.applied > 0)) ? true : undefined), 60000);
    // The node that will be away, and the node that takes the shard's snapshots on its own: one
    // snapshot writer per shard, the first serving node by rendezvous; restarted with a snapshot
    // every 25 applied operations (the others take none).
    const away = nodes[2];
    const appliedBefore = away.cluster.localReplicas().find((r) => r.collection === 'gap')!.applied;
    await away.close();
    const uid = a.cluster.resolve('gap').uid;
    const writerId = rankByRendezvous(`${uid}/0`, nodes.filter((n) => n !== away).map((n) => n.id))[0];
    const writerIndex = nodes.findIndex((n) => n.id === writerId);
    const writer = nodes[writerIndex];
    await writer.close();
    nodes[writerIndex] = await startNode(nats, writer.id, { streamRetainOps: 0, snapshotEveryOps: 25 }, writer.dir);
    const entry = nodes.find((n) => n !== away && n.id !== writerId)!;
    await waitFor('the restarted writer serving the shard again', () => (nodes[writerIndex].cluster.localReplicas().some((r) => r.collection === 'gap' && r.serving) ? true : undefined), 60000);
    for (let i = 0; i < 30; i++) {
      const written = await entry.call('PUT', '/collections/gap/points?wait=true', { points: [point(100 + 2 * i), point(101 + 2 * i)] });
      assert.equal(written.status, 200, JSON.stringify(written.body));
    }
    const firstSeq = await waitFor('the stream truncated behind an automatic snapshot, past the away node', async () => {
      const info = await entry.cluster.collectionCluster('gap');
      return info.shards[0].firstSeq > appliedBefore + 1 ? info.shards[0].firstSeq : undefined;
    }, 60000);
    const returned = await startNode(nats, away.id, { streamRetainOps: 0, snapshotEveryOps: 0 }, away.dir);
    nodes[2] = returned;
    const local = localCollectionName(uid, 0);
    await waitFor('the returned node serving the shard with every point (snapshot, then tail)', () => (
      returned.cluster.localReplicas().some((r) => r.collection === 'gap' && r.serving && r.lag === 0)
      && returned.db.hasCollection(local) && returned.db.collection(local).count({}).count === 80 ? true : undefined), 60000);
    process.stdout.write(`# gap repair: ${away.id} was at op ${appliedBefore}, the stream starts at ${firstSeq} after ${writerId}'s automatic snapshot; restored from the snapshot and caught up\n`);
  });
});
