// Every metric the dashboards and the rules name is exported by a running server: a real server
// (createServer on 127.0.0.1, port 0, with an API key, a database in a temp dir) is scraped over
// HTTP and each `ruvector_*` name found in the PromQL is looked up among its metric families.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Database } from '../../../src/index.js';
import { createServer } from '../../../src/server/index.js';
import { deferrer, tempDir } from '../server/helpers.js';
import { dashboardExpressions, exportedFamilies, fetchRetrying, isExported, loadDashboards, loadRules, metricNamesIn } from './deploy-helpers.js';

test('metric names are read from PromQL properly', () => {
  assert.deepEqual(metricNamesIn('sum by (le) (rate(ruvector_search_latency_seconds_bucket{collection=~"ruvector_fake"}[5m])) / ruvector:http_requests:rate5m'), ['ruvector_search_latency_seconds_bucket']);
  assert.deepEqual(metricNamesIn('label_values(ruvector_http_requests_total, instance)'), ['ruvector_http_requests_total']);
  const families = new Map([['ruvector_a_seconds', 'histogram'], ['ruvector_b_total', 'counter'], ['ruvector_c', 'summary']]);
  assert.ok(isExported('ruvector_a_seconds_bucket', families));
  assert.ok(isExported('ruvector_a_seconds_count', families));
  assert.ok(!isExported('ruvector_a_seconds', families), 'a histogram has no series under its bare name');
  assert.ok(isExported('ruvector_b_total', families));
  assert.ok(!isExported('ruvector_b_total_count', families), 'a counter has no _count series');
  assert.ok(isExported('ruvector_c_sum', families));
  assert.ok(!isExported('ruvector_c_bucket', families), 'a summary has no buckets');
  assert.ok(!isExported('ruvector_missing', families));
});

test('every ruvector_* metric used by the dashboards and the rules is exported by a running server', async (t) => {
  const defer = deferrer(t);
  const dir = tempDir(defer, 'rv-metric-names-');
  const db = await Database.open({ path: dir });
  defer(() => db.close());
  const apiKey = 'metric-names-test-key';
  const server = await createServer(db, { host: '127.0.0.1', port: 0, apiKey, logger: false, version: '0.1.0-test' });
  defer(() => server.close());
  const base = await server.listen();

  const headers = { 'api-key': apiKey, 'content-type': 'application/json' };
  const created = await fetchRetrying(`${base}/collections/docs`, { method: 'PUT', headers, body: JSON.stringify({ vectors: { size: 4, distance: 'Cosine' } }) });
  assert.equal(created.status, 200, await created.text());
  const upserted = await fetchRetrying(`${base}/collections/docs/points?wait=true`, { method: 'PUT', headers, body: JSON.stringify({ points: [{ id: 1, vector: [1, 0, 0, 0] }, { id: 2, vector: [0, 1, 0, 0] }] }) });
  assert.equal(upserted.status, 200, await upserted.text());
  const searched = await fetchRetrying(`${base}/collections/docs/points/search`, { method: 'POST', headers, body: JSON.stringify({ vector: [1, 0, 0, 0], limit: 1 }) });
  assert.equal(searched.status, 200, await searched.text());

  assert.equal((await fetch(`${base}/metrics`)).status, 401, '/metrics needs a key');
  const scrape = await fetchRetrying(`${base}/metrics`, { headers: { authorization: `Bearer ${apiKey}` } });
  assert.equal(scrape.status, 200);
  const families = exportedFamilies(await scrape.text());
  assert.ok(families.size > 50, `expected the full metric set, got ${families.size} families`);

  const used = new Map<string, Set<string>>();
  const note = (name: string, where: string): void => {
    if (!used.has(name)) used.set(name, new Set());
    used.get(name)?.add(where);
  };
  const { alerts, recordings } = loadRules();
  for (const rule of alerts) for (const name of metricNamesIn(rule.expr)) note(name, `alert ${rule.alert}`);
  for (const rule of recordings) for (const name of metricNamesIn(rule.expr)) note(name, `record ${rule.record}`);
  const dashboards = loadDashboards();
  assert.deepEqual([...dashboards.keys()], ['cluster.json', 'overview.json', 'search.json', 'storage.json']);
  for (const [file, dashboard] of dashboards) for (const expr of dashboardExpressions(dashboard)) for (const name of metricNamesIn(expr)) note(name, file);

  assert.ok(used.size >= 30, `the assets use ${used.size} metric names`);
  const missing = [...used].filter(([name]) => !isExported(name, families)).map(([name, where]) => `${name} (${[...where].join(', ')})`);
  assert.deepEqual(missing, [], 'names used in dashboards or rules that the server does not export');
  t.diagnostic(`${used.size} metric names used by rules and dashboards, all exported (${families.size} families exported)`);
});
