/**
 * `node --import tsx bench/metrics-scrape-bench.ts` — how long a scrape of /metrics takes with
 * 10 collections. Not a test: it prints figures and writes bench/results/metrics-scrape-latest.json.
 *
 * A server (createServer, API key, loopback, temp data dir) holds 10 collections of 1,000 × 64-d
 * points each, has served some search and upsert traffic (so the histograms hold series), and is
 * scraped over HTTP 200 times after 20 warm-up scrapes. Reported: the client-side time of the
 * whole request (render + transfer) and the server's own render time
 * (`ruvector_metrics_scrape_duration_seconds`), plus the response size and series count.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Database } from '../src/index.js';
import { createServer } from '../src/server/index.js';

const COLLECTIONS = 10;
const POINTS = 1000;
const DIM = 64;
const WARMUP = 20;
const SCRAPES = 200;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'rv-scrape-bench-'));
const db = await Database.open({ path: dir });
const apiKey = 'scrape-bench-key';
const server = await createServer(db, { host: '127.0.0.1', port: 0, apiKey, logger: false, version: 'bench' });
try {
  const base = await server.listen();
  const headers = { 'api-key': apiKey, 'content-type': 'application/json' };
  let seed = 1;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  for (let c = 0; c < COLLECTIONS; c++) {
    const name = `bench-${c}`;
    await fetch(`${base}/collections/${name}`, { method: 'PUT', headers, body: JSON.stringify({ vectors: { size: DIM, distance: 'Cosine' } }) });
    const points = Array.from({ length: POINTS }, (_, i) => ({ id: i + 1, vector: Array.from({ length: DIM }, random), payload: { group: i % 10 } }));
    const upsert = await fetch(`${base}/collections/${name}/points?wait=true`, { method: 'PUT', headers, body: JSON.stringify({ points }) });
    if (upsert.status !== 200) throw new Error(`upsert into ${name}: HTTP ${upsert.status}`);
    for (let q = 0; q < 20; q++) {
      await fetch(`${base}/collections/${name}/points/search`, { method: 'POST', headers, body: JSON.stringify({ vector: Array.from({ length: DIM }, random), limit: 10 }) });
    }
  }

  const scrape = async (): Promise<{ ms: number; text: string }> => {
    const started = process.hrtime.bigint();
    const response = await fetch(`${base}/metrics`, { headers });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`/metrics: HTTP ${response.status}`);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, text };
  };
  for (let i = 0; i < WARMUP; i++) await scrape();
  const totals: number[] = [];
  const renders: number[] = [];
  let last = '';
  for (let i = 0; i < SCRAPES; i++) {
    const { ms, text } = await scrape();
    totals.push(ms);
    last = text;
    // The gauge holds the render time of the previous scrape.
    const match = /^ruvector_metrics_scrape_duration_seconds (\S+)$/m.exec(text);
    if (match !== null) renders.push(Number(match[1]) * 1000);
  }
  totals.sort((a, b) => a - b);
  renders.sort((a, b) => a - b);
  const series = last.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    collections: COLLECTIONS,
    pointsPerCollection: POINTS,
    scrapes: SCRAPES,
    bytes: Buffer.byteLength(last),
    series,
    requestMs: { p50: percentile(totals, 50), p95: percentile(totals, 95), p99: percentile(totals, 99), max: totals[totals.length - 1] },
    renderMs: { p50: percentile(renders, 50), p95: percentile(renders, 95), p99: percentile(renders, 99), max: renders[renders.length - 1] },
  };
  console.log(`/metrics with ${COLLECTIONS} collections: ${series} series, ${(result.bytes / 1024).toFixed(1)} KiB`);
  console.log(`  request  p50 ${result.requestMs.p50.toFixed(2)} ms  p95 ${result.requestMs.p95.toFixed(2)} ms  p99 ${result.requestMs.p99.toFixed(2)} ms`);
  console.log(`  render   p50 ${result.renderMs.p50.toFixed(2)} ms  p95 ${result.renderMs.p95.toFixed(2)} ms  p99 ${result.renderMs.p99.toFixed(2)} ms`);
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/metrics-scrape-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await server.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
