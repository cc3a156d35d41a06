/**
 * kill -9 of the NATS server leading a shard's stream, under write and search load: NATS
 * elects a new stream leader (its election timeout is several seconds and not configurable);
 * writes retry their publish with the same message id until acknowledged, searches continue
 * on the replicas, and no acknowledged write is lost. The measured windows are printed.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { shardOfPoint } from '../../../src/cluster/hashing.js';
import { NatsCluster, waitFor } from '../../helpers/nats-cluster.js';
import { removeDir, startNode, type TestNode } from './cluster-harness.js';
import { ClusterLoad } from './write-checker.js';

const DIM = 8;

describe('cluster: kill -9 of a shard stream leader (NATS)', { timeout: 240000 }, () => {
  let nats: NatsCluster;
  const nodes: TestNode[] = [];

  before(async () => {
    nats = await NatsCluster.start();
    for (const id of ['a', 'b', 'c']) nodes.push(await startNode(nats, id, { writeTimeoutMs: 60000 }));
    await waitFor('every node to see the other two', () => (nodes.every((n) => n.cluster.liveNodes().length === 3) ? true : undefined));
  });

  after(async () => {
    for (const node of nodes) await node.close().catch(() => undefined);
    await nats?.stop();
    for (const node of nodes) await removeDir(node.dir);
  });

  test('writes resume after the election, searches continue, no acknowledged write is lost', async () => {
    const [a] = nodes;
    assert.equal((await a.call('PUT', '/collections/ha', { vectors: { size: DIM, distance: 'Cosine' }, shard_number: 2 })).status, 200);
    const load = new ClusterLoad('ha', () => nodes, DIM);
    load.start(2, 2);
    await waitFor('some acknowledged writes', () => (load.acked.length >= 50 ? true : undefined));
    const { shards } = await a.cluster.collectionCluster('ha');
    const leader = shards[0].leader;
    assert.ok(leader !== null, 'shard 0 has a stream leader');
    const killedAt = Date.now();
    await nats.kill(leader);
    const ackedBefore = load.acked.length;
    // Writes must resume: acknowledgements started after the kill.
    await waitFor('writes acknowledged after the kill', () => (load.acked.filter((r) => r.startedAt > killedAt).length >= 30 ? true : undefined), 90000);
    const newLeader = await waitFor('a new leader of shard 0', async () => {
      const info = await a.cluster.collectionCluster('ha');
      return info.shards[0].leader !== null && info.shards[0].leader !== leader ? info.shards[0].leader : undefined;
    }, 60000);
    // NATS's leader-elected advisory reaches the nodes' stream leader change counter.
    await waitFor('the leader change in /metrics', async () => {
      const text = String((await a.server.app.inject({ method: 'GET', url: '/metrics' })).body);
      const value = Number(/^ruvector_cluster_stream_leader_changes_total (\S+)$/m.exec(text)?.[1] ?? 0);
      return value >= 1 ? true : undefined;
    }, 30000);
    await new Promise((r) => setTimeout(r, 1000));
    await load.stop();
    const window = load.longestAck(killedAt - 1, killedAt + 60000);
    const firstAckAfter = Math.min(...load.acked.filter((r) => r.startedAt >= killedAt).map((r) => r.ackedAt)) - killedAt;
    process.stdout.write(`# nats stream-leader kill: leader ${leader} → ${newLeader}; longest write ack after the kill ${window} ms; first write started after the kill acked at +${firstAckAfter} ms; `
      + `acked ${ackedBefore} before, ${load.acked.length - ackedBefore} after; write errors ${load.writeErrors.length}; searches ok ${load.searches}, failed ${load.searchErrors.length}\n`);
    assert.deepEqual(load.writeErrors, [], 'writes retry through the election instead of failing');
    assert.ok(load.searchErrors.length <= load.searches / 100, `searches keep succeeding: ${JSON.stringify(load.searchErrors.slice(0, 3))}`);
    // With the killed server still down (its disk out of reach): every acknowledged write is on
    // every replica, checked replica by replica in each node's own store, and readable through
    // every node. Then restart it, and check again.
    const shardOf = (id: number): number => shardOfPoint(id, 2);
    const acknowledgedPoints = load.acked.reduce((n, r) => n + r.ids.length, 0);
    for (const node of nodes) {
      if (process.env.RV_CLUSTER_DEBUG !== undefined) appendFileSync(process.env.RV_CLUSTER_DEBUG, `${node.id} ${JSON.stringify(node.cluster.localReplicas())} token ${load.maxToken()}\n`);
      assert.equal(await load.verifyReplicas(node, shardOf), acknowledgedPoints, `node ${node.id} holds a replica of both shards (R3 on 3 nodes)`);
      assert.equal(await load.verify(node), acknowledgedPoints);
    }
    await nats.restart(leader);
    for (const node of nodes) assert.equal(await load.verify(node), acknowledgedPoints);
  });
});
