// Graceful shutdown of a real `ruvector serve` process under load: concurrent upserts and
// searches, SIGTERM in the middle. Readiness turns 503 first while requests are still served,
// then the listener closes; every request the server accepted completes successfully; the
// process exits 0; after a restart every acknowledged write is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnCli, tempDir } from './cli-runner.js';

interface Served {
  child: ChildProcess;
  url: URL;
  stdout: () => string;
}

async function serve(t: { after(fn: () => void): void }, dataDir: string, env: Record<string, string>): Promise<Served> {
  const child = spawnCli(['serve', '--port', '0', '--no-auth', '--data-dir', dataDir], { env });
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = out.split('\n').map((line) => { try { return JSON.parse(line) as { msg?: string; url?: string }; } catch { return {}; } }).find((e) => e.msg === 'ruvector is ready');
      if (ready?.url !== undefined) resolve(ready.url);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before it was ready:\n${err}`)));
    setTimeout(() => reject(new Error(`serve not ready after 60 s:\n${out}\n${err}`)), 60_000).unref();
  });
  return { child, url: new URL(url), stdout: () => out };
}

type Outcome =
  | { kind: 'response'; status: number; body: string }
  | { kind: 'refused' } // ECONNREFUSED: the listener is closed
  | { kind: 'reset'; code: string }; // the connection closed before any request was read

/** One request on its own connection (no keep-alive), so a refused connection is unambiguous. */
function send(url: URL, method: string, path: string, body?: unknown): Promise<Outcome> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = httpRequest({
      host: url.hostname, port: url.port, method, path, agent: false,
      headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { text += chunk; });
      response.on('end', () => resolve({ kind: 'response', status: response.statusCode ?? 0, body: text }));
      response.on('error', () => resolve({ kind: 'response', status: -1, body: 'response stream broke after the status line' }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'reset', code: error.code ?? error.message });
    });
    request.end(payload);
  });
}

const DIM = 8;
const vectorOf = (id: number): number[] => Array.from({ length: DIM }, (_, i) => Math.sin(id * (i + 1)));

test('SIGTERM under load: readiness 503 first, zero failed accepted requests, exit 0, every acknowledged write survives a restart', { timeout: 180_000 }, async (t) => {
  const dataDir = tempDir(t, 'rv-shutdown-');
  const env = { RUVECTOR__RELIABILITY__SHUTDOWN_READINESS_DELAY_MS: '1500', RUVECTOR__LOG__LEVEL: 'info' };
  const first = await serve(t, dataDir, env);
  const created = await send(first.url, 'PUT', '/collections/c', { vectors: { size: DIM, distance: 'Cosine' } });
  assert.equal(created.kind === 'response' && created.status, 200);

  const acknowledged = new Set<number>();
  // Writes the server never read (connection reset or refused at the door while closing): none may be applied.
  const neverRead = new Set<number>();
  const counts = { ok: 0, refused: 0, reset: 0, drainingRefusal: 0, shed: 0, okAfterReadinessFailed: 0 };
  const failures: string[] = [];
  let readinessFailedAt = 0;
  let stopping = false;
  const WORKERS = 8;
  const BATCH = 25;

  const worker = async (w: number): Promise<void> => {
    for (let i = 0; ; i++) {
      const isWrite = i % 2 === 0;
      const ids = Array.from({ length: BATCH }, (_, j) => w * 1_000_000 + i * BATCH + j);
      const outcome = isWrite
        ? await send(first.url, 'PUT', '/collections/c/points?wait=true', { points: ids.map((id) => ({ id, vector: vectorOf(id), payload: { w, i } })) })
        : await send(first.url, 'POST', '/collections/c/points/query', { query: vectorOf(w + i), limit: 5 });
      if (outcome.kind === 'refused') { counts.refused++; return; }
      if (outcome.kind === 'reset') {
        counts.reset++;
        if (!stopping) failures.push(`connection reset before the shutdown began (${outcome.code})`);
        if (isWrite) for (const id of ids) neverRead.add(id);
        continue; // until the listener refuses outright
      }
      if (outcome.status === 200) {
        counts.ok++;
        if (readinessFailedAt > 0) counts.okAfterReadinessFailed++;
        if (isWrite) for (const id of ids) acknowledged.add(id);
        continue;
      }
      // Fastify answers a request parsed after close() began with its own 503 (never processed).
      if (outcome.status === 503 && outcome.body.includes('"message":"Service Unavailable"') && stopping) {
        counts.drainingRefusal++;
        if (isWrite) for (const id of ids) neverRead.add(id);
        continue;
      }
      // Load shedding refuses before anything is read or done (a starved CI machine may trigger it).
      if (outcome.status === 503 && outcome.body.includes('"code":"RV_OVERLOADED"')) {
        counts.shed++;
        if (isWrite) for (const id of ids) neverRead.add(id);
        continue;
      }
      failures.push(`${isWrite ? 'upsert' : 'query'}: ${outcome.status} ${outcome.body.slice(0, 300)}`);
    }
  };
  const readinessWatch = async (): Promise<void> => {
    for (;;) {
      const outcome = await send(first.url, 'GET', '/readyz');
      if (outcome.kind !== 'response') return;
      if (outcome.status === 503 && readinessFailedAt === 0) readinessFailedAt = Date.now();
      await sleep(10);
    }
  };

  const load = [...Array.from({ length: WORKERS }, (_, w) => worker(w)), readinessWatch()];
  // Let the load run until a good number of writes are acknowledged, then SIGTERM mid-load.
  for (let waited = 0; acknowledged.size < 2000; waited += 20) {
    assert.ok(waited < 60_000, `only ${acknowledged.size} points acknowledged after 60 s`);
    assert.deepEqual(failures, []);
    await sleep(20);
  }
  const exited = once(first.child, 'exit');
  stopping = true;
  const signalledAt = Date.now();
  first.child.kill('SIGTERM');
  await Promise.all(load);
  const [code, signal] = await exited as [number | null, NodeJS.Signals | null];

  t.diagnostic(`requests: ${JSON.stringify(counts)}, acknowledged points: ${acknowledged.size}, shutdown took ${Date.now() - signalledAt} ms`);
  assert.deepEqual(failures, [], 'no request the server accepted failed');
  assert.equal(code, 0, `exit code (signal ${String(signal)})`);
  assert.ok(readinessFailedAt > 0, 'readiness answered 503 before the listener closed');
  assert.ok(counts.okAfterReadinessFailed > 0, 'requests were still served while readiness was 503 (the readiness delay)');
  assert.ok(counts.refused > 0, 'the listener closed: new connections were refused');
  const log = first.stdout();
  assert.match(log, /"msg":"shutting down: finishing in-flight requests"/);
  assert.match(log, /"msg":"stopped"/);

  // Restart on the same data: every acknowledged point is there with its payload.
  const second = await serve(t, dataDir, {});
  const ids = [...acknowledged];
  for (let from = 0; from < ids.length; from += 1000) {
    const chunk = ids.slice(from, from + 1000);
    const outcome = await send(second.url, 'POST', '/collections/c/points', { ids: chunk, with_payload: true, with_vector: false });
    assert.ok(outcome.kind === 'response' && outcome.status === 200, JSON.stringify(outcome));
    const found = (JSON.parse(outcome.body) as { result: { id: number; payload: { w: number; i: number } }[] }).result;
    assert.equal(found.length, chunk.length, `acknowledged points missing after restart: ${chunk.length - found.length}`);
    for (const record of found) assert.equal(record.payload.w, Math.floor(record.id / 1_000_000));
  }
  // A reset or door-refused write was never read, so nothing of it may exist: a request the
  // server had read would have been finished and answered, not dropped.
  const unread = [...neverRead];
  if (unread.length > 0) {
    const outcome = await send(second.url, 'POST', '/collections/c/points', { ids: unread, with_payload: false });
    assert.ok(outcome.kind === 'response' && outcome.status === 200, JSON.stringify(outcome));
    assert.deepEqual((JSON.parse(outcome.body) as { result: unknown[] }).result, [], 'a write the client saw refused was applied');
  }
  const secondExit = once(second.child, 'exit');
  second.child.kill('SIGTERM');
  assert.equal((await secondExit)[0], 0);
});
