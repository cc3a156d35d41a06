/**
 * kill -9 of a RuVector node (a real `ruvector serve --cluster` process) under write and search
 * load: searches keep succeeding through the other replicas, no acknowledged write is lost, and
 * the node catches up from its own data directory plus the shard streams when restarted; a
 * collection whose only replica was on the crashed node is served again by another node once
 * the crashed node's heartbeat has expired (reassignment after a crash).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { freePort, NatsCluster, waitFor } from '../../helpers/nats-cluster.js';
import { removeDir, startNode, type TestNode } from './cluster-harness.js';
import { shardOfPoint } from '../../../src/cluster/hashing.js';
import { ClusterLoad, type HttpTarget } from './write-checker.js';

const DIM = 8;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

interface ProcessNode extends HttpTarget {
  child: ChildProcess;
  url: string;
}

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('RUVECTOR')) env[k] = v;
  return { ...env, ...extra };
}

async function spawnNode(nats: NatsCluster, id: string, dir: string, port: number): Promise<ProcessNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'serve', '--cluster', nats.urls.join(','), '--node-id', id, '--port', String(port), '--data-dir', dir, '--no-auth'], {
    cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'],
    env: cleanEnv({ RUVECTOR__LOG__LEVEL: 'warn', RUVECTOR__CLUSTER__HEARTBEAT_MS: '500', RUVECTOR__CLUSTER__NODE_TTL_MS: '3000', RUVECTOR__CLUSTER__REQUEST_TIMEOUT_MS: '3000', RUVECTOR__RELIABILITY__MIN_FREE_DISK_MB: '0' }),
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const node: ProcessNode = {
    id, child, url,
    async call(method, path, body, headers = {}) {
      const response = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await response.text();
      return { status: response.status, body: text === '' ? {} : JSON.parse(text) as { result?: unknown }, headers: Object.fromEntries(response.headers.entries()) };
    },
  };
  await waitFor(`node ${id} serving (stderr: ${stderr.slice(-500)})`, async () => ((await node.call('GET', '/cluster').catch(() => undefined))?.status === 200 ? true : undefined), 60000, 200);
  return node;
}

describe('cluster: kill -9 of a RuVector node', { timeout: 300000 }, () => {
  let nats: NatsCluster;
  const nodes: TestNode[] = [];
  let processNode: ProcessNode | undefined;
  let processDir = '';

  before(async () => {
    nats = await NatsCluster.start();
    for (const id of ['a', 'b']) nodes.push(await startNode(nats, id));
    processDir = await mkdtemp(join(tmpdir(), 'rv-proc-'));
  });

  after(async () => {
    processNode?.child.kill('SIGKILL');
    for (const node of nodes) await node.close().catch(() => undefined);
    await nats?.stop();
    for (const node of nodes) await removeDir(node.dir);
    await removeDir(processDir);
  });

  test('searches keep succeeding, no acknowledged write is lost, the node catches up on restart', async () => {
    const port = await freePort();
    processNode = await spawnNode(nats, 'c', processDir, port);
    await waitFor('three live nodes', () => (nodes.every((n) => n.cluster.liveNodes().length === 3) ? true : undefined));
    const [a] = nodes;
    assert.equal((await a.call('PUT', '/collections/kill', { vectors: { size: DIM, distance: 'Cosine' }, shard_number: 2 })).status, 200);
    await waitFor('c serving both shards', async () => {
      const info = await a.cluster.collectionCluster('kill');
      return info.shards.every((s) => s.replicas.some((r) => r.node === 'c')) ? true : undefined;
    });
    // A collection with one replica placed on c: when c crashes, only a reassignment (after the
    // heartbeat TTL) makes it readable again. Rendezvous placement depends on the random uid,
    // so collections are made until one lands on c.
    let spare = '';
    for (let i = 0; i < 30 && spare === ''; i++) {
      assert.equal((await a.call('PUT', `/collections/spare${i}`, { vectors: { size: DIM, distance: 'Dot' }, replication_factor: 1 })).status, 200);
      const placed = await waitFor(`spare${i} served`, async () => (await a.cluster.collectionCluster(`spare${i}`)).shards[0].replicas.map((r) => r.node)[0]);
      if (placed === 'c') spare = `spare${i}`;
    }
    assert.notEqual(spare, '', 'a collection placed on c');
    assert.equal((await a.call('PUT', `/collections/${spare}/points?wait=true`, { points: Array.from({ length: 10 }, (_, i) => ({ id: i + 1, vector: Array(DIM).fill(i + 1) })) })).status, 200);
    const load = new ClusterLoad('kill', () => nodes, DIM);
    load.start(2, 3);
    await waitFor('some acknowledged writes', () => (load.acked.length >= 40 ? true : undefined));
    const searchesBefore = load.searches;
    processNode.child.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((r) => processNode?.child.once('exit', r));
    await waitFor('writes and searches after the kill', () => (load.acked.filter((r) => r.startedAt > killedAt + 500).length >= 30 && load.searches > searchesBefore + 50 ? true : undefined), 60000);
    // The crashed node's only replica moves to a or b once c's heartbeat is older than the TTL (3 s).
    const movedAt = await waitFor(`${spare} served again after c crashed`, async () => {
      const counted = await a.call('POST', `/collections/${spare}/points/count`, {});
      return counted.status === 200 && (counted.body.result as { count: number }).count === 10 ? Date.now() : undefined;
    }, 60000, 100);
    const standIn = nodes.find((n) => n.cluster.localReplicas().some((r) => r.collection === spare && r.serving));
    assert.ok(standIn !== undefined, 'a or b hosts the moved replica');
    process.stdout.write(`# ruvector node crash: ${spare}'s only replica served again on ${standIn.id} ${movedAt - killedAt} ms after the kill (node TTL 3000 ms)\n`);
    processNode = await spawnNode(nats, 'c', processDir, port);
    const restartedAt = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    await load.stop();
    const token = new Map(load.maxToken().split(',').map((p) => p.split(':').map(Number) as [number, number]));
    const caughtUp = await waitFor('the restarted node caught up with every acknowledged write', async () => {
      const info = await processNode?.call('GET', '/collections/kill/cluster');
      const shards = (info?.body.result as { shards: { shard_id: number; replicas: { peer_id: string; applied_seq: number }[] }[] }).shards;
      return shards.every((s) => (s.replicas.find((r) => r.peer_id === 'c')?.applied_seq ?? 0) >= (token.get(s.shard_id) ?? 0)) ? Date.now() : undefined;
    }, 60000, 200);
    process.stdout.write(`# ruvector node kill: acked ${load.acked.length} writes (${load.acked.length * 3} points); write errors ${load.writeErrors.length}; searches ok ${load.searches}, failed ${load.searchErrors.length}; restarted node caught up ${caughtUp - restartedAt} ms after it was serving again\n`);
    assert.deepEqual(load.searchErrors, [], 'searches keep succeeding through the other replicas');
    assert.deepEqual(load.writeErrors, [], 'writes do not depend on a RuVector node');
    for (const target of [...nodes, processNode]) assert.equal(await load.verify(target), load.acked.length * 3);
    // Replica by replica on the in-process nodes (each holds a replica of both shards: R3 on 3 nodes).
    for (const node of nodes) assert.equal(await load.verifyReplicas(node, (id) => shardOfPoint(id, 2)), load.acked.length * 3);
  });
});
