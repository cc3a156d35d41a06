// End to end: a real Prometheus (the Debian package's /usr/bin/prometheus, temp storage, loopback)
// scrapes a running server with its API key and loads the rules; its HTTP API then reports the
// target up, RuVector's series, and every rule evaluating without error. A second job without
// credentials shows the key is really required. The Prometheus process is stopped in cleanup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { Database } from '../../../src/index.js';
import { createServer } from '../../../src/server/index.js';
import { deferrer, tempDir } from '../server/helpers.js';
import { RULES_FILE, fetchRetrying, requireBinary } from './deploy-helpers.js';

/** A port free right now on 127.0.0.1 (Prometheus cannot report a port 0 choice back). */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

interface QueryResult {
  status: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

test('a real Prometheus scrapes the server with its API key and evaluates the rules', { timeout: 180_000 }, async (t) => {
  const prometheusBin = requireBinary('prometheus');
  const defer = deferrer(t);
  const dir = tempDir(defer, 'rv-prom-e2e-');

  const db = await Database.open({ path: join(dir, 'data') });
  defer(() => db.close());
  const apiKey = 'prometheus-e2e-key';
  const server = await createServer(db, { host: '127.0.0.1', port: 0, apiKey, logger: false, version: '0.1.0-test' });
  defer(() => server.close());
  const base = await server.listen();
  const target = new URL(base).host;
  const headers = { 'api-key': apiKey, 'content-type': 'application/json' };
  assert.equal((await fetchRetrying(`${base}/collections/e2e`, { method: 'PUT', headers, body: JSON.stringify({ vectors: { size: 2, distance: 'Dot' } }) })).status, 200);
  assert.equal((await fetchRetrying(`${base}/collections/e2e/points?wait=true`, { method: 'PUT', headers, body: JSON.stringify({ points: [{ id: 1, vector: [1, 0] }, { id: 2, vector: [0, 1] }, { id: 3, vector: [1, 1] }] }) })).status, 200);

  const port = await freePort();
  const promUrl = `http://127.0.0.1:${port}`;
  mkdirSync(join(dir, 'tsdb'));
  writeFileSync(join(dir, 'prometheus.yml'), [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    `rule_files: [${JSON.stringify(RULES_FILE)}]`,
    'scrape_configs:',
    '  - job_name: ruvector',
    '    authorization: { type: Bearer, credentials: ' + JSON.stringify(apiKey) + ' }',
    `    static_configs: [{ targets: [${JSON.stringify(target)}] }]`,
    '  - job_name: ruvector-no-key',
    `    static_configs: [{ targets: [${JSON.stringify(target)}] }]`,
    '',
  ].join('\n'));
  const prometheus = spawn(prometheusBin, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  prometheus.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  defer(() => stopProcess(prometheus));

  const api = async <T>(path: string): Promise<T> => {
    if (prometheus.exitCode !== null) assert.fail(`prometheus exited with ${prometheus.exitCode}: ${stderr}`);
    const response = await fetch(`${promUrl}${path}`);
    if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  const query = (expr: string): Promise<QueryResult> => api<QueryResult>(`/api/v1/query?query=${encodeURIComponent(expr)}`);

  await waitFor('Prometheus to be ready', async () => (prometheus.exitCode === null && (await fetch(`${promUrl}/-/ready`)).status === 200 ? true : undefined));

  const up = await waitFor('up{job="ruvector"} == 1', async () => {
    const result = await query('up{job="ruvector"}');
    return result.data.result.find((r) => r.value[1] === '1');
  });
  assert.equal(up.metric.instance, target);

  const points = await waitFor('ruvector_collection_points{collection="e2e"}', async () => (await query('ruvector_collection_points{job="ruvector",collection="e2e"}')).data.result[0]);
  assert.equal(points.value[1], '3');
  const requests = await waitFor('the scrapes counted by the server', async () => {
    const result = await query('sum(ruvector_http_requests_total{job="ruvector",endpoint="/metrics",status="200"})');
    const value = Number(result.data.result[0]?.value[1] ?? '0');
    return value >= 1 ? value : undefined;
  });
  assert.ok(requests >= 1);

  // The job without the key is refused by the server.
  const refused = await waitFor('the job without a key to be scraped', async () => {
    const targets = await api<{ data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] } }>('/api/v1/targets');
    const noKey = targets.data.activeTargets.find((x) => x.labels.job === 'ruvector-no-key');
    return noKey !== undefined && noKey.health === 'down' ? noKey : undefined;
  });
  assert.match(refused.lastError, /401/);

  // Every rule has been evaluated against real data without an error.
  const rules = await waitFor('every rule evaluated', async () => {
    const body = await api<{ data: { groups: { rules: { name: string; health: string; lastError?: string; lastEvaluation: string }[] }[] } }>('/api/v1/rules');
    const all = body.data.groups.flatMap((g) => g.rules);
    return all.length > 0 && all.every((r) => !r.lastEvaluation.startsWith('0001-')) ? all : undefined;
  });
  const broken = rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError ?? r.health}`);
  assert.deepEqual(broken, []);
  // NaN (0/0) until the scrapes themselves make a rate; then 1: no server error so far.
  const availability = await waitFor('the availability SLI recorded', async () => {
    const sample = (await query('ruvector:availability:ratio_rate5m{job="ruvector"}')).data.result[0];
    return sample !== undefined && Number.isFinite(Number(sample.value[1])) ? sample : undefined;
  });
  assert.equal(Number(availability.value[1]), 1, 'no server errors: availability 1');
  t.diagnostic(`${rules.length} rules evaluated by Prometheus over the live scrape`);
});
