/**
 * `npm run bench:encryption` — the cost of encryption at rest, measured in one run on the same
 * data: insert (upsert batches committed to SQLite — every vector, payload and op record sealed —
 * and linked into the graph),
 * search (in memory: sealing is not on the read path once loaded), reopen (every row opened and
 * the sealed checkpoint read). Not a test: prints figures and writes
 * bench/results/encryption-latest.json. Modes alternate (off, on, off, on, …) so drift on a
 * shared machine hits both alike; the median of the rounds is reported. Each phase is measured
 * in wall time and in CPU time of this process (process.cpuUsage): on a loaded machine the
 * wall-clock figures swing with other processes, CPU time much less.
 *
 *   npm run bench:encryption                      20,000 × 128-d, 3 rounds per mode
 *   npm run bench:encryption -- --points 5000 --rounds 1
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Database } from '../src/engine/index.js';
import { Keyring } from '../src/security/crypto/index.js';
import { clusteredDataset } from './dataset.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    points: { type: 'string', default: '20000' },
    dim: { type: 'string', default: '128' },
    queries: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '500' },
  },
});
const count = Number(args.points);
const dim = Number(args.dim);
const queryCount = Number(args.queries);
const rounds = Number(args.rounds);
const batchSize = Number(args.batch);

const data = clusteredDataset({ count, queries: queryCount, dim, centres: 64, sigma: 1, seed: 42 });
const bodies: { points: { id: number; vector: number[]; payload: Record<string, unknown> }[] }[] = [];
for (let start = 0; start < count; start += batchSize) {
  bodies.push({
    points: data.base.slice(start, start + batchSize).map((vector, i) => ({
      id: start + i, vector: Array.from(vector), payload: { title: `document ${start + i}`, tag: `t${(start + i) % 17}` },
    })),
  });
}
const queries = data.queries.map((q) => Array.from(q));

interface RoundResult {
  insertPointsPerSecond: number;
  searchQueriesPerSecond: number;
  reopenMs: number;
  /** CPU microseconds of this process per inserted point / per query / per reopened point. */
  insertCpuMicrosPerPoint: number;
  searchCpuMicrosPerQuery: number;
  reopenCpuMicrosPerPoint: number;
}

function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

async function round(encrypted: boolean): Promise<RoundResult> {
  const path = mkdtempSync(join(tmpdir(), `rv-bench-enc-${encrypted ? 'on' : 'off'}-`));
  const sealing = encrypted ? Keyring.create({ current: randomBytes(32) }) : undefined;
  try {
    const options = { path, ...(sealing === undefined ? {} : { sealing }), checkpointEveryOps: 1_000_000 };
    const db = await Database.open(options);
    await db.createCollection('bench', { vectors: { size: dim, distance: 'Euclid' } });
    const collection = db.collection('bench');
    const insertStart = performance.now();
    const insertCpu = cpuMicros();
    for (const body of bodies) await collection.upsert(body);
    // Insert = committed and linked into the graph. Linking runs in slices between commits, so
    // timing commits alone would count a varying share of it; the total linking work is the
    // same in both modes, so the difference is the sealing cost.
    collection.shard.flushIndex();
    const insertMs = performance.now() - insertStart;
    const insertCpuMicros = cpuMicros() - insertCpu;
    const searchStart = performance.now();
    const searchCpu = cpuMicros();
    for (const vector of queries) collection.search({ vector, limit: 10, with_payload: true });
    const searchMs = performance.now() - searchStart;
    const searchCpuMicros = cpuMicros() - searchCpu;
    await db.close(); // writes the (sealed) checkpoint
    const reopenStart = performance.now();
    const reopenCpu = cpuMicros();
    const reopened = await Database.open(options);
    const reopenMs = performance.now() - reopenStart;
    const reopenCpuMicros = cpuMicros() - reopenCpu;
    await reopened.close();
    return {
      insertPointsPerSecond: count / (insertMs / 1000), searchQueriesPerSecond: queryCount / (searchMs / 1000), reopenMs,
      insertCpuMicrosPerPoint: insertCpuMicros / count, searchCpuMicrosPerQuery: searchCpuMicros / queryCount, reopenCpuMicrosPerPoint: reopenCpuMicros / count,
    };
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Raw sealing cost (CPU µs) of one vector-sized blob: the per-row work added to every write and load. */
function codecMicro(): { sealMicros: number; openMicros: number } {
  const codec = Keyring.create({ current: randomBytes(32) }).codecFor('bench');
  const blob = new Uint8Array(Float32Array.from(data.base[0]).buffer);
  const n = 50_000;
  const sealed: Uint8Array[] = new Array<Uint8Array>(n);
  let start = cpuMicros();
  for (let i = 0; i < n; i++) sealed[i] = codec.seal('vector', `${i}:n${i}`, blob);
  const sealMicros = (cpuMicros() - start) / n;
  start = cpuMicros();
  for (let i = 0; i < n; i++) codec.open('vector', `${i}:n${i}`, sealed[i]);
  const openMicros = (cpuMicros() - start) / n;
  return { sealMicros, openMicros };
}

const results: Record<'off' | 'on', RoundResult[]> = { off: [], on: [] };
for (let r = 0; r < rounds; r++) {
  for (const mode of (r % 2 === 0 ? ['off', 'on'] : ['on', 'off']) as ('off' | 'on')[]) {
    const result = await round(mode === 'on');
    results[mode].push(result);
    console.log(`round ${r + 1} encryption ${mode.padEnd(3)}  insert ${result.insertPointsPerSecond.toFixed(0)} points/s (${result.insertCpuMicrosPerPoint.toFixed(1)} µs CPU/point)  search ${result.searchQueriesPerSecond.toFixed(0)} q/s (${result.searchCpuMicrosPerQuery.toFixed(0)} µs CPU/query)  reopen ${result.reopenMs.toFixed(0)} ms (${result.reopenCpuMicrosPerPoint.toFixed(1)} µs CPU/point)`);
  }
}
const summary = (mode: 'off' | 'on'): RoundResult => ({
  insertPointsPerSecond: median(results[mode].map((r) => r.insertPointsPerSecond)),
  searchQueriesPerSecond: median(results[mode].map((r) => r.searchQueriesPerSecond)),
  reopenMs: median(results[mode].map((r) => r.reopenMs)),
  insertCpuMicrosPerPoint: median(results[mode].map((r) => r.insertCpuMicrosPerPoint)),
  searchCpuMicrosPerQuery: median(results[mode].map((r) => r.searchCpuMicrosPerQuery)),
  reopenCpuMicrosPerPoint: median(results[mode].map((r) => r.reopenCpuMicrosPerPoint)),
});
const off = summary('off');
const on = summary('on');
const overhead = (plain: number, sealed: number, higherIsBetter: boolean): number =>
  (higherIsBetter ? (plain - sealed) / plain : (sealed - plain) / plain) * 100;
const micro = codecMicro();
const report = {
  benchmark: 'encryption-at-rest',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
  dataset: { points: count, dim, queries: queryCount, batchSize, rounds },
  off, on,
  overheadPercent: {
    insert: overhead(off.insertPointsPerSecond, on.insertPointsPerSecond, true),
    search: overhead(off.searchQueriesPerSecond, on.searchQueriesPerSecond, true),
    reopen: overhead(off.reopenMs, on.reopenMs, false),
    insertCpu: overhead(off.insertCpuMicrosPerPoint, on.insertCpuMicrosPerPoint, false),
    searchCpu: overhead(off.searchCpuMicrosPerQuery, on.searchCpuMicrosPerQuery, false),
    reopenCpu: overhead(off.reopenCpuMicrosPerPoint, on.reopenCpuMicrosPerPoint, false),
  },
  loadAverage: loadavg(),
  codec: { blobBytes: dim * 4, ...micro },
  rounds: results,
};
console.log(`\nmedian of ${rounds} round(s), ${count} × ${dim}-d, batches of ${batchSize}`);
console.log(`insert  off ${off.insertPointsPerSecond.toFixed(0)} points/s  on ${on.insertPointsPerSecond.toFixed(0)} points/s  overhead ${report.overheadPercent.insert.toFixed(1)}%`);
console.log(`search  off ${off.searchQueriesPerSecond.toFixed(0)} q/s       on ${on.searchQueriesPerSecond.toFixed(0)} q/s       overhead ${report.overheadPercent.search.toFixed(1)}%`);
console.log(`reopen  off ${off.reopenMs.toFixed(0)} ms          on ${on.reopenMs.toFixed(0)} ms          overhead ${report.overheadPercent.reopen.toFixed(1)}%`);
console.log(`CPU     insert off ${off.insertCpuMicrosPerPoint.toFixed(1)} on ${on.insertCpuMicrosPerPoint.toFixed(1)} µs/point (${report.overheadPercent.insertCpu.toFixed(1)}%)  search off ${off.searchCpuMicrosPerQuery.toFixed(0)} on ${on.searchCpuMicrosPerQuery.toFixed(0)} µs/query (${report.overheadPercent.searchCpu.toFixed(1)}%)  reopen off ${off.reopenCpuMicrosPerPoint.toFixed(1)} on ${on.reopenCpuMicrosPerPoint.toFixed(1)} µs/point (${report.overheadPercent.reopenCpu.toFixed(1)}%)`);
console.log(`load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
console.log(`codec   seal ${micro.sealMicros.toFixed(2)} µs  open ${micro.openMicros.toFixed(2)} µs CPU per ${dim * 4}-byte vector`);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, 'bench/results/encryption-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
