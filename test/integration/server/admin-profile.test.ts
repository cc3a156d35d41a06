// The profiling endpoints through a listening server (real sockets: the downloads are streamed):
// a CPU profile over N seconds and a heap snapshot, both parseable by DevTools' formats; the
// seconds range enforced; one profile at a time (409); admin only; the snapshot limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { Profiler } from '../../../src/observability/index.js';
import { deferrer, startServer, tempDir } from './helpers.js';

const ADMIN = { 'api-key': 'profile-admin-key-3' };
const READER = { 'api-key': 'profile-reader-key-4' };

async function listening(t: Parameters<typeof startServer>[0]): Promise<string> {
  const { server } = await startServer(t, { authDisabled: false, apiKey: ADMIN['api-key'], readOnlyApiKey: READER['api-key'] });
  return server.listen();
}

test('a CPU profile over N seconds downloads as a .cpuprofile; a second one meanwhile is refused', async (t) => {
  const url = await listening(t);
  const started = performance.now();
  const profiling = fetch(`${url}/admin/profile/cpu?seconds=1`, { method: 'POST', headers: ADMIN });
  // While it runs, the profiler is busy: 409 RV_PROFILER_BUSY (poll until the first has started).
  let busy: Response | undefined;
  for (let i = 0; i < 50 && busy === undefined; i++) {
    const attempt = await fetch(`${url}/admin/profile/heap`, { method: 'POST', headers: ADMIN });
    if (attempt.status === 409) busy = attempt;
    else await attempt.body?.cancel();
  }
  assert.ok(busy, 'a concurrent profile request is refused');
  const busyBody = await busy.json() as { code: string; retryable: boolean };
  assert.equal(busyBody.code, 'RV_PROFILER_BUSY');

  const response = await profiling;
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="ruvector-\d{8}T\d{6}Z\.cpuprofile"$/);
  const profile = await response.json() as { nodes: { callFrame: { functionName: string } }[]; startTime: number; endTime: number; samples: number[] };
  assert.ok(profile.nodes.length > 0 && Array.isArray(profile.samples));
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  assert.ok(seconds >= 0.9 && seconds < 30, `the profile covers ~1 s (${seconds} s)`);
  assert.ok(performance.now() - started >= 900);
});

test('seconds must be an integer from 1 to 60; admin only', async (t) => {
  const url = await listening(t);
  for (const seconds of ['0', '61', '1.5', 'abc', '-1']) {
    const response = await fetch(`${url}/admin/profile/cpu?seconds=${seconds}`, { method: 'POST', headers: ADMIN });
    assert.equal(response.status, 400, `seconds=${seconds}`);
    const body = await response.json() as { code: string; status: { error: string } };
    assert.equal(body.code, 'RV_INVALID_ARGUMENT');
    assert.match(body.status.error, /seconds must be an integer from 1 to 60/);
  }
  const missing = await fetch(`${url}/admin/profile/cpu`, { method: 'POST', headers: ADMIN });
  assert.equal(missing.status, 422);
  await missing.body?.cancel();
  for (const [path, headers, status] of [['/admin/profile/cpu?seconds=1', READER, 403], ['/admin/profile/heap', READER, 403], ['/admin/profile/heap', {}, 401]] as const) {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers });
    assert.equal(response.status, status, path);
    await response.body?.cancel();
  }
});

test('a heap snapshot streams as a .heapsnapshot and its temp file is removed afterwards', async (t) => {
  const url = await listening(t);
  const response = await fetch(`${url}/admin/profile/heap`, { method: 'POST', headers: ADMIN });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-disposition') ?? '', /filename="ruvector-\d{8}T\d{6}Z\.heapsnapshot"$/);
  const length = Number(response.headers.get('content-length'));
  const text = await response.text();
  assert.equal(Buffer.byteLength(text), length);
  const snapshot = JSON.parse(text) as { snapshot: { meta: { node_fields: string[] }; node_count: number }; nodes: number[]; strings: string[] };
  assert.ok(snapshot.snapshot.node_count > 1000);
  assert.ok(snapshot.snapshot.meta.node_fields.includes('name'));
  // The profiler is free again once the download ended.
  const again = await fetch(`${url}/admin/profile/cpu?seconds=1`, { method: 'POST', headers: ADMIN });
  assert.equal(again.status, 200);
  await again.body?.cancel();
});

test('the heap snapshot limit: refused before pausing the process, no file left behind', async (t) => {
  const dir = tempDir(deferrer(t), 'rv-profile-');
  const profiler = new Profiler({ maxHeapSnapshotBytes: 1024 * 1024, tempDir: dir });
  await assert.rejects(profiler.heapSnapshot(), { code: 'RV_LIMIT_EXCEEDED', message: /makes a snapshot over the heap snapshot limit of 1048576 bytes/ });
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(profiler.busy, undefined, 'released after a refusal');
  // Past the pre-check but over the limit while writing: the partial file is dropped.
  // (Snapshot files measured 0.6–1.6× the live heap; the pre-check refuses only above 4× the limit.)
  const tight = new Profiler({ maxHeapSnapshotBytes: Math.round((await profiler.liveHeapBytes()) * 0.4), tempDir: dir });
  await assert.rejects(tight.heapSnapshot(), { code: 'RV_LIMIT_EXCEEDED', message: /heap snapshot is over its limit/ });
  assert.deepEqual(readdirSync(dir), []);
});
