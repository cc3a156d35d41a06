/**
 * `npm run bench:http` — the HTTP server under load. Not a test: it prints figures and writes
 * bench/results/http-latest.json.
 *
 * The server runs as a child process (`ruvector serve`, auth off, on a loopback port and a temp
 * data dir) so that the load generator (autocannon, in this process) does not share its event
 * loop. Steps: load N × 128-d seeded clustered points (bench/dataset.ts) with wait=true, wait
 * until the graph has linked them all, then
 *   1. search: POST /collections/bench/points/search (limit 10, a different query each request);
 *   2. query: POST /collections/bench/points/query (the same queries; what the official client's
 *      `query()` sends), for the universal query's own cost over the search;
 *   3. upsert: PUT /collections/bench/points?wait=true with 100 new points per request.
 * Latency percentiles are exact, from every response time (autocannon's own histogram has no p95).
 *
 *   npm run bench:http                          100,000 points, 20 s search, 15 s upsert
 *   npm run bench:http -- --quick               20,000 points, 5 s each
 *   npm run bench:http -- --connections 16      concurrent connections (default 8)
 *   npm run bench:http -- --log-level info      server log level (default warn: no per-request lines)
 *   npm run bench:http -- --cpu-prof            profile the server over the whole run (load, linking,
 *                                               search, upsert); prints the functions with most self time
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { clusteredDataset } from './dataset.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    connections: { type: 'string', default: '8' },
    'log-level': { type: 'string', default: 'warn' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const quick = args.quick === true;
const COUNT = quick ? 20_000 : 100_000;
const DIM = 128;
const LOAD_BATCH = 1000;
const UPSERT_BATCH = 100;
const CONNECTIONS = Number(args.connections);
const SEARCH_SECONDS = quick ? 5 : 20;
const UPSERT_SECONDS = quick ? 5 : 15;
const COLLECTION = 'bench';
/** The plan's per-node targets (issue #3). */
const TARGETS = { searchP50Ms: 10, searchP95Ms: 50, searchP99Ms: 100, searchQps: 10_000, insertPointsPerSecond: 5_000 };

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Rounded to 6 significant digits: a realistic client body, a third the size of float64 text. */
function vectorJson(vector: Float32Array): string {
  return `[${Array.from(vector, (x) => Number(x.toPrecision(6))).join(',')}]`;
}

async function call(base: string, method: string, path: string, body?: string): Promise<unknown> {
  const response = await fetch(`${base}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { result: unknown }).result;
}

function startServer(port: number, dataDir: string, profileDir: string | undefined): ChildProcess {
  const nodeArgs = ['--import', 'tsx', ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`])];
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'src/cli/main.ts'), 'serve', '--port', String(port), '--data-dir', dataDir, '--no-auth'], {
    cwd: root,
    env: { ...process.env, RUVECTOR__LOG__LEVEL: args['log-level'] ?? 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

async function waitReady(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the server did not become ready in 60 s');
}

interface LoadResult {
  qps: number;
  requests: number;
  seconds: number;
  errors: number;
  non2xx: number;
  latencyMs: { mean: number; p50: number; p95: number; p99: number; max: number };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Runs autocannon with one request template whose body changes per request; exact percentiles. */
function runLoad(options: { url: string; method: 'POST' | 'PUT'; path: string; seconds: number; connections: number; body: () => string }): Promise<LoadResult> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: options.url,
      connections: options.connections,
      duration: options.seconds,
      timeout: 30,
      requests: [{
        method: options.method,
        path: options.path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: options.body() }),
      }],
    }, (error: unknown, result) => {
      if (error !== null && error !== undefined) return reject(error instanceof Error ? error : new Error(String(error)));
      const sorted = Float64Array.from(latencies).sort();
      const mean = latencies.reduce((s, x) => s + x, 0) / Math.max(1, latencies.length);
      resolve({
        qps: result['2xx'] / result.duration,
        requests: result['2xx'],
        seconds: result.duration,
        errors: result.errors,
        non2xx: result.non2xx,
        latencyMs: { mean, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN },
      });
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

interface ProfileNode { id: number; callFrame: { functionName: string; url: string }; hitCount?: number }

/** The functions with the most self time in a .cpuprofile (V8's sampling profile). */
function hottestFunctions(file: string, top: number): { function: string; where: string; selfPercent: number }[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const byFunction = new Map<string, { where: string; hits: number }>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    total += hits;
    const name = node.callFrame.functionName || '(anonymous)';
    // Files only: under tsx the line numbers are those of the transformed code.
    const where = node.callFrame.url.replace(`file://${root}/`, '');
    const key = `${name} ${where}`;
    const entry = byFunction.get(key) ?? { where, hits: 0 };
    entry.hits += hits;
    byFunction.set(key, entry);
  }
  return [...byFunction.entries()]
    .sort((a, b) => b[1].hits - a[1].hits)
    .slice(0, top)
    .map(([key, { where, hits }]) => ({ function: key.slice(0, key.length - where.length).trim(), where, selfPercent: Number(((100 * hits) / Math.max(1, total)).toFixed(1)) }));
}

function formatLoad(name: string, r: LoadResult, unit: string, perRequest = 1): string {
  const l = r.latencyMs;
  return `${name.padEnd(7)} ${(r.qps * perRequest).toFixed(0).padStart(7)} ${unit}  p50 ${l.p50.toFixed(1)} ms  p95 ${l.p95.toFixed(1)} ms  p99 ${l.p99.toFixed(1)} ms  max ${l.max.toFixed(1)} ms  (${r.requests} requests, ${r.errors} errors, ${r.non2xx} non-2xx)`;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rv-http-bench-'));
  const profileDir = args['cpu-prof'] === true ? mkdtempSync(join(tmpdir(), 'rv-http-prof-')) : undefined;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  log(`RuVector HTTP benchmark: ${COUNT.toLocaleString('en-US')} × ${DIM}-d, ${CONNECTIONS} connections, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}`);

  const data = clusteredDataset({ count: COUNT, queries: 1000, dim: DIM, centres: 1000, sigma: 0.5, seed: 42 });
  const baseJson = data.base.map(vectorJson);
  const queryJson = data.queries.map(vectorJson);

  const child = startServer(port, dataDir, profileDir);
  const exited = once(child, 'exit');
  try {
    await waitReady(base, child);
    await call(base, 'PUT', `/collections/${COLLECTION}`, JSON.stringify({ vectors: { size: DIM, distance: 'Euclid' } }));

    const loadStart = performance.now();
    for (let start = 0; start < COUNT; start += LOAD_BATCH) {
      const points = baseJson.slice(start, start + LOAD_BATCH).map((v, i) => `{"id":${start + i},"vector":${v}}`);
      await call(base, 'PUT', `/collections/${COLLECTION}/points?wait=true`, `{"points":[${points.join(',')}]}`);
    }
    const loadSeconds = (performance.now() - loadStart) / 1000;
    log(`load    ${COUNT} points in ${loadSeconds.toFixed(1)} s (${(COUNT / loadSeconds).toFixed(0)} points/s, batches of ${LOAD_BATCH}, wait=true)`);

    // Searches are exact over points not yet linked into the graph: measure the steady state.
    const indexStart = performance.now();
    for (;;) {
      const info = (await call(base, 'GET', `/collections/${COLLECTION}`)) as { points_count: number; indexed_vectors_count: number };
      if (info.indexed_vectors_count >= info.points_count) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const indexSeconds = (performance.now() - indexStart) / 1000 + loadSeconds;
    log(`index   all points linked ${indexSeconds.toFixed(1)} s after the load began`);

    let q = 0;
    const search = await runLoad({
      url: base, method: 'POST', path: `/collections/${COLLECTION}/points/search`, seconds: SEARCH_SECONDS, connections: CONNECTIONS,
      body: () => `{"vector":${queryJson[q++ % queryJson.length]},"limit":10}`,
    });
    log(formatLoad('search', search, 'q/s'));

    q = 0;
    const query = await runLoad({
      url: base, method: 'POST', path: `/collections/${COLLECTION}/points/query`, seconds: SEARCH_SECONDS, connections: CONNECTIONS,
      body: () => `{"query":${queryJson[q++ % queryJson.length]},"limit":10}`,
    });
    log(formatLoad('query', query, 'q/s'));

    let nextId = COUNT;
    const upsert = await runLoad({
      url: base, method: 'PUT', path: `/collections/${COLLECTION}/points?wait=true`, seconds: UPSERT_SECONDS, connections: CONNECTIONS,
      body: () => {
        const points: string[] = [];
        for (let i = 0; i < UPSERT_BATCH; i++, nextId++) points.push(`{"id":${nextId},"vector":${baseJson[nextId % COUNT]}}`);
        return `{"points":[${points.join(',')}]}`;
      },
    });
    log(formatLoad('upsert', upsert, 'points/s', UPSERT_BATCH));

    child.kill('SIGTERM');
    await exited;
    let profile: ReturnType<typeof hottestFunctions> | undefined;
    if (profileDir !== undefined) {
      const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
      if (file !== undefined) {
        profile = hottestFunctions(join(profileDir, file), 20);
        log(`\nserver CPU profile (${join(profileDir, file)}), self time:`);
        for (const p of profile) log(`  ${String(p.selfPercent).padStart(5)}%  ${p.function}  ${p.where}`);
      }
    }

    const results = {
      date: new Date().toISOString(),
      quick,
      machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
      setup: { points: COUNT, dim: DIM, distance: 'Euclid', connections: CONNECTIONS, serverLogLevel: args['log-level'], dataset: 'clustered, 1000 centres, sigma 0.5, seed 42' },
      load: { seconds: loadSeconds, pointsPerSecond: COUNT / loadSeconds, batch: LOAD_BATCH, indexedAfterSeconds: indexSeconds },
      search: { ...search, limit: 10 },
      query: { ...query, limit: 10 },
      upsert: { ...upsert, pointsPerSecond: upsert.qps * UPSERT_BATCH, batch: UPSERT_BATCH, wait: true },
      targets: TARGETS,
      meetsTargets: {
        searchP50: search.latencyMs.p50 < TARGETS.searchP50Ms,
        searchP95: search.latencyMs.p95 < TARGETS.searchP95Ms,
        searchP99: search.latencyMs.p99 < TARGETS.searchP99Ms,
        searchQps: search.qps >= TARGETS.searchQps,
        insertPointsPerSecond: upsert.qps * UPSERT_BATCH >= TARGETS.insertPointsPerSecond,
      },
      ...(profile === undefined ? {} : { serverProfileTop: profile }),
    };
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results/http-latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    log('\nwrote bench/results/http-latest.json');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
