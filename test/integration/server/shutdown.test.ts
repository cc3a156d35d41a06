// Graceful close on a real socket: close() while requests are in flight (their bodies still
// arriving) stops new connections at once, lets every in-flight request finish, then resolves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { call, startServer } from './helpers.js';

interface SlowRequest {
  finish(): void;
  response: Promise<{ status: number; body: string }>;
}

/** Sends the headers and half the body now; the rest when finish() is called. */
function slowRequest(address: URL, method: string, path: string, body: string): SlowRequest {
  const request = httpRequest({
    host: address.hostname, port: address.port, method, path, agent: false,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    request.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  request.write(body.slice(0, half));
  return { finish: () => request.end(body.slice(half)), response };
}

test('close() while requests are in flight: all of them complete, new connections are refused', async (t) => {
  const { server, app, db } = await startServer(t);
  // Counts requests whose headers the server has parsed: an accepted TCP connection alone is
  // not yet a request, and a request parsed after close() began is rightly refused with 503.
  let received = 0;
  app.addHook('onRequest', async () => { received++; });
  await call(app, 'PUT', '/collections/c', { vectors: { size: 4, distance: 'Dot' } });
  const address = new URL(await server.listen());

  const inFlight = Array.from({ length: 6 }, (_, i) => {
    const body = JSON.stringify({ points: Array.from({ length: 50 }, (_, j) => ({ id: i * 100 + j, vector: [i, j, 1, 0], payload: { i } })) });
    return i % 2 === 0
      ? slowRequest(address, 'PUT', '/collections/c/points?wait=true', body)
      : slowRequest(address, 'POST', '/collections/c/points/query', JSON.stringify({ query: [1, 1, 1, 1], limit: 3 }));
  });
  // Every request's headers have been parsed by the server before close() is called.
  for (let tries = 0; received < inFlight.length + 1; tries++) {
    assert.ok(tries < 200, 'the requests did not reach the server');
    await sleep(10);
  }

  let closed = false;
  const closing = server.close().then(() => { closed = true; });
  await sleep(50);
  assert.equal(closed, false, 'close() waits for the in-flight requests');
  await assert.rejects(fetch(new URL('/healthz', address)), 'a new connection is refused while draining');

  for (const request of inFlight) request.finish();
  const responses = await Promise.all(inFlight.map((r) => r.response));
  for (const response of responses) assert.equal(response.status, 200, response.body);
  await closing;
  assert.equal(closed, true);
  // The three upserts were applied in full.
  assert.equal(db.collection('c').count({}).count, 150);
  assert.deepEqual(responses.filter((_, i) => i % 2 === 0).map((r) => (JSON.parse(r.body) as { result: { status: string } }).result.status), ['completed', 'completed', 'completed']);
});
