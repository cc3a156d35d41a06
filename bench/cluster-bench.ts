/**
 * `npm run bench:cluster` — the cluster on this machine: 3 NATS servers (JetStream, R3 shard
 * streams) + 3 RuVector nodes (in-process servers, requests by inject: the figures are the
 * cluster's cost — validation, publish, quorum ack, fan-out, merge — without HTTP parsing).
 * Not a test: prints figures and writes bench/results/cluster-latest.json.
 *
 *   1. writes: batches of 100 points (64-d) through rotating nodes, wait=false (quorum ack),
 *      `--concurrency` in flight; points/s and request p50/p95/p99; replication lag sampled
 *   2. searches: limit 10 through rotating nodes; queries/s and p50/p95/p99
 *   3. failover: kill -9 the NATS server leading shard 0's stream under write load; the time
 *      from the kill to the first acknowledgement of a write started after it
 *
 *   npm run bench:cluster                        20 s writes, 20 s searches, 2 shards
 *   npm run bench:cluster -- --quick             5 s each
 *   npm run bench:cluster -- --shards 4 --concurrency 8
 *
 * A 2-core machine shared by 3 NATS servers, 3 nodes and the load generator: the figures show
 * overhead and behaviour, not scale (docs/cluster.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NatsCluster, waitFor } from '../test/helpers/nats-cluster.js';
import { removeDir, startNode, type TestNode } from '../test/integration/cluster/cluster-harness.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, shards: { type: 'string' }, concurrency: { type: 'string' } } });
const seconds = values.quick === true ? 5 : 20;
const shards = Number(values.shards ?? 2);
const concurrency = Number(values.concurrency ?? 4);
const DIM = 64;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))].toFixed(2));
}

function summary(latencies: number[], count: number, ms: number): Record<string, number> {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { per_second: Math.round((count / ms) * 1000), requests: latencies.length, p50_ms: percentile(sorted, 50), p95_ms: percentile(sorted, 95), p99_ms: percentile(sorted, 99) };
}

let seed = 1;
const rand = (): number => {
  seed = (seed * 1664525 + 1013904223) % 4294967296;
  return seed / 4294967296 - 0.5;
};
const vector = (): number[] => Array.from({ length: DIM }, rand);

const nats = await NatsCluster.start();
const nodes: TestNode[] = [];
try {
  for (const id of ['a', 'b', 'c']) nodes.push(await startNode(nats, id, { writeTimeoutMs: 60000 }));
  await waitFor('three live nodes', () => (nodes.every((n) => n.cluster.liveNodes().length === 3) ? true : undefined));
  const created = await nodes[0].call('PUT', '/collections/bench', { vectors: { size: DIM, distance: 'Cosine' }, shard_number: shards });
  if (created.status !== 200) throw new Error(JSON.stringify(created.body));

  // 1. writes
  let nextId = 1;
  let pointsWritten = 0;
  const writeLatencies: number[] = [];
  const lagSamples: number[] = [];
  const lagTimer = setInterval(() => { for (const node of nodes) for (const r of node.cluster.localReplicas()) lagSamples.push(r.lag); }, 200);
  const writeUntil = Date.now() + seconds * 1000;
  const writeStarted = Date.now();
  let turn = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < writeUntil) {
      const node = nodes[turn++ % nodes.length];
      const points = Array.from({ length: 100 }, () => ({ id: nextId++, vector: vector(), payload: { n: nextId % 10 } }));
      const started = performance.now();
      const response = await node.call('PUT', '/collections/bench/points?wait=false', { points });
      if (response.status !== 200) throw new Error(JSON.stringify(response.body));
      writeLatencies.push(performance.now() - started);
      pointsWritten += points.length;
    }
  }));
  const writeMs = Date.now() - writeStarted;
  clearInterval(lagTimer);
  const writes = { ...summary(writeLatencies, pointsWritten, writeMs), points: pointsWritten, batch: 100 };
  await waitFor('replicas caught up', () => (nodes.every((n) => n.cluster.localReplicas().every((r) => r.lag === 0)) ? true : undefined), 120000);
  const lagSorted = [...lagSamples].sort((a, b) => a - b);

  // 2. searches
  const searchLatencies: number[] = [];
  const searchUntil = Date.now() + seconds * 1000;
  const searchStarted = Date.now();
  await Promise.all(Array.from({ length: concurrency * 2 }, async () => {
    while (Date.now() < searchUntil) {
      const node = nodes[turn++ % nodes.length];
      const started = performance.now();
      const response = await node.call('POST', '/collections/bench/points/search', { vector: vector(), limit: 10 });
      if (response.status !== 200) throw new Error(JSON.stringify(response.body));
      searchLatencies.push(performance.now() - started);
    }
  }));
  const searches = summary(searchLatencies, searchLatencies.length, Date.now() - searchStarted);

  // 3. failover window
  const { shards: info } = await nodes[0].cluster.collectionCluster('bench');
  const leader = info[0].leader as string;
  let running = true;
  const acks: { startedAt: number; ackedAt: number }[] = [];
  const loaders = Array.from({ length: 2 }, async () => {
    while (running) {
      const node = nodes[turn++ % nodes.length];
      const startedAt = Date.now();
      const response = await node.call('PUT', '/collections/bench/points?wait=false', { points: [{ id: nextId++, vector: vector() }] });
      if (response.status === 200) acks.push({ startedAt, ackedAt: Date.now() });
    }
  });
  await new Promise((r) => setTimeout(r, 1000));
  const killedAt = Date.now();
  await nats.kill(leader);
  await waitFor('writes after the kill', () => (acks.filter((a) => a.startedAt > killedAt).length >= 20 ? true : undefined), 120000);
  running = false;
  await Promise.all(loaders);
  const after = acks.filter((a) => a.startedAt >= killedAt);
  const failover = {
    killed: leader,
    first_ack_after_kill_ms: Math.min(...after.map((a) => a.ackedAt)) - killedAt,
    longest_write_during_election_ms: Math.max(...acks.filter((a) => a.ackedAt >= killedAt).map((a) => a.ackedAt - a.startedAt)),
  };

  const result = {
    date: new Date().toISOString(), machine_cpus: (await import('node:os')).cpus().length, shards, concurrency, dim: DIM,
    writes, searches,
    replication_lag_ops: { p50: percentile(lagSorted, 50), p95: percentile(lagSorted, 95), p99: percentile(lagSorted, 99), max: lagSorted.at(-1) ?? 0 },
    failover,
  };
  console.log(JSON.stringify(result, null, 2));
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cluster-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  for (const node of nodes) await node.close().catch(() => undefined);
  await nats.stop();
  for (const node of nodes) await removeDir(node.dir);
}
