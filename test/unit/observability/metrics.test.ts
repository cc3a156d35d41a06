// The metric set on its own: collection gauges read at scrape time, stale collections dropped,
// the process registry shared between servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processMetricsRegistry, RuVectorMetrics, type CollectionStats } from '../../../src/observability/index.js';

function stats(name: string, points: number): CollectionStats {
  return { name, points, indexedVectors: points, pendingLinks: 0, appliedSequence: points, memoryBytes: 64 * points, diskBytes: 4096, deletedRatio: 0 };
}

test('collection gauges are read from the source on every scrape; dropped collections disappear', async () => {
  let current = [stats('a', 3), stats('b', 5)];
  let reads = 0;
  const metrics = new RuVectorMetrics({ collections: () => (reads++, current) });
  const first = await metrics.render();
  assert.match(first, /^ruvector_collection_points\{collection="a"\} 3$/m);
  assert.match(first, /^ruvector_collection_points\{collection="b"\} 5$/m);
  assert.match(first, /^ruvector_collections 2$/m);
  current = [stats('a', 4)];
  const second = await metrics.render();
  assert.match(second, /^ruvector_collection_points\{collection="a"\} 4$/m);
  assert.doesNotMatch(second, /collection="b"/);
  assert.match(second, /^ruvector_collections 1$/m);
  assert.equal(reads, 2, 'one read of the engine per scrape');
});

test('two servers share one process registry and keep separate request counters', async () => {
  const one = new RuVectorMetrics();
  const two = new RuVectorMetrics();
  one.httpRequests.inc({ method: 'GET', endpoint: '/', status: '200' });
  assert.match(await one.render(), /^ruvector_http_requests_total\{method="GET",endpoint="\/",status="200"\} 1$/m);
  assert.doesNotMatch(await two.render(), /^ruvector_http_requests_total\{/m);
  assert.equal(processMetricsRegistry(), processMetricsRegistry());
  const text = await two.render();
  assert.equal(text.match(/^# TYPE ruvector_process_cpu_seconds_total /gm)?.length, 1, 'default metrics registered once');
});
