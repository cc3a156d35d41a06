// Writes never stall searches: during a bulk load the event loop keeps turning (graph
// linking runs in slices of a few ms), and points are searchable as soon as upserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Database } from '../../../src/index.js';
import { mulberry32 } from '../../helpers/random.js';

test('bulk upsert of 20,000 points keeps the event loop responsive', { timeout: 120_000 }, async (t) => {
  const path = mkdtempSync(join(tmpdir(), 'rv-stall-'));
  t.after(() => rmSync(path, { recursive: true, force: true }));
  const db = await Database.open({ path });
  t.after(() => db.close());
  await db.createCollection('bulk', { vectors: { size: 64, distance: 'Cosine' } });
  const c = db.collection('bulk');
  const rand = mulberry32(5);
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let searchesDuringLoad = 0;
  const searcher = setInterval(() => {
    c.search({ vector: Array.from({ length: 64 }, () => rand()), limit: 5 });
    searchesDuringLoad++;
  }, 5);
  for (let batch = 0; batch < 40; batch++) {
    const points = Array.from({ length: 500 }, (_, i) => ({ id: batch * 500 + i, vector: Array.from({ length: 64 }, () => rand() * 2 - 1) }));
    await c.upsert({ points });
    // searchable at once, linked or not
    const probe = points[0];
    assert.equal(c.search({ vector: probe.vector, limit: 1 })[0].id, probe.id);
  }
  while (c.info().pendingLinks > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  clearInterval(searcher);
  histogram.disable();
  const maxStallMs = histogram.max / 1e6;
  t.diagnostic(`max event-loop stall ${maxStallMs.toFixed(1)} ms, p99 ${(histogram.percentile(99) / 1e6).toFixed(1)} ms, ${searchesDuringLoad} searches during the load`);
  assert.ok(searchesDuringLoad > 20, 'searches ran during the load');
  // One 500-point write transaction plus one linking slice is the longest a turn takes.
  assert.ok(maxStallMs < 250, `event loop stalled ${maxStallMs} ms`);
  assert.equal(c.count({}).count, 20000);
});
