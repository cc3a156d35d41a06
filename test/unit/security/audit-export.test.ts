// Reading the audit log: filters, bounded pages with a cursor, and the SIEM exports
// (NDJSON, HTTP batches to a loopback collector, RFC 5424 syslog over UDP and TCP).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createSocket } from 'node:dgram';
import { createServer as createTcpServer } from 'node:net';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import {
  formatSyslog, queryAuditLog, scanAuditLog, sendToHttp, sendToSyslog, writeNdjson, verifyAuditLog, type AuditEntry,
} from '../../../src/security/audit/index.js';
import { auditDir, writeEvents } from './audit-fixtures.js';

test('filters by principal, action, resource, result and time; pages follow the cursor to the end', async (t) => {
  const dir = auditDir(t);
  const written = await writeEvents(dir, 90, { rotateSizeBytes: 4096 });
  const page = await queryAuditLog(dir, { principal: 'key:1', limit: 1000 });
  assert.deepEqual(page.events.map((e) => e.seq), written.filter((e) => e.principal === 'key:1').map((e) => e.seq));
  assert.equal(page.nextCursor, null);
  assert.equal((await queryAuditLog(dir, { result: 'denied', limit: 1000 })).events.length, 18);
  assert.deepEqual((await queryAuditLog(dir, { action: 'test.4*', limit: 1000 })).events.map((e) => e.action), ['test.4', 'test.40', 'test.41', 'test.42', 'test.43', 'test.44', 'test.45', 'test.46', 'test.47', 'test.48', 'test.49']);
  assert.equal((await queryAuditLog(dir, { resource: 'collection/c0', result: 'denied', limit: 1000 })).events.length, 9);

  const since = new Date(written[49].timestamp);
  const sinceEvents = (await queryAuditLog(dir, { since, limit: 1000 })).events;
  assert.ok(sinceEvents.every((e) => Date.parse(e.timestamp) >= since.getTime()));
  assert.ok(sinceEvents.some((e) => e.seq === 50));

  // Pages of 7 over a filter: every match once, in order.
  const seen: number[] = [];
  let cursor: number | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const next = await queryAuditLog(dir, { principal: 'key:2', limit: 7, afterSeq: cursor });
    seen.push(...next.events.map((e) => e.seq));
    if (next.nextCursor === null) break;
    cursor = next.nextCursor;
  }
  assert.deepEqual(seen, written.filter((e) => e.principal === 'key:2').map((e) => e.seq));

  // The scan budget bounds a page even when nothing matches.
  const bounded = await queryAuditLog(dir, { principal: 'nobody', limit: 10, maxScan: 25 });
  assert.deepEqual(bounded, { events: [], nextCursor: 25 });
});

test('NDJSON export is the stored lines, verifiable by the receiver', async (t) => {
  const dir = auditDir(t);
  await writeEvents(dir, 20);
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => { text += chunk.toString(); });
  assert.equal(await writeNdjson(scanAuditLog(dir, { afterSeq: 5 }), out), 15);
  const entries = text.trim().split('\n').map((line) => JSON.parse(line) as AuditEntry);
  assert.deepEqual(entries.map((e) => e.seq), Array.from({ length: 15 }, (_, i) => i + 6));
  assert.equal(entries[1].prev_hash, entries[0].hash);
  assert.equal((await verifyAuditLog(dir)).ok, true);
});

test('the HTTP sink POSTs NDJSON batches and retries a 503', async (t) => {
  const dir = auditDir(t);
  await writeEvents(dir, 25);
  const bodies: string[] = [];
  let failures = 1;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    request.on('end', () => {
      assert.equal(request.headers['content-type'], 'application/x-ndjson');
      assert.equal(request.headers.authorization, 'Splunk token');
      if (failures-- > 0) return response.writeHead(503).end();
      bodies.push(body);
      response.writeHead(200).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const { port } = server.address() as { port: number };
  const sent = await sendToHttp(scanAuditLog(dir), { url: `http://127.0.0.1:${port}/ingest`, headers: { authorization: 'Splunk token' }, batchSize: 10 });
  assert.equal(sent, 25);
  assert.deepEqual(bodies.map((b) => b.trim().split('\n').length), [10, 10, 5]);

  const refusing = createServer((_request, response) => response.writeHead(400).end());
  refusing.listen(0, '127.0.0.1');
  await once(refusing, 'listening');
  t.after(() => refusing.close());
  await assert.rejects(sendToHttp(scanAuditLog(dir), { url: `http://127.0.0.1:${(refusing.address() as { port: number }).port}/x` }), { code: 'RV_DEPENDENCY_UNAVAILABLE', message: /HTTP 400/ });
});

test('syslog: RFC 5424 messages over UDP and octet-counted over TCP', async (t) => {
  const dir = auditDir(t);
  const entries = await writeEvents(dir, 6);
  const line = formatSyslog(entries[4], { hostname: 'node-1', appName: 'ruvector' });
  // Facility 13 (log audit) × 8 + severity 4 (warning, a denial) = 108.
  assert.match(line, /^<108>1 \d{4}-\d\d-\d\dT[\d:.]+Z node-1 ruvector \d+ test\.5 - \{/);
  assert.equal((JSON.parse(line.slice(line.indexOf(' - ') + 3)) as AuditEntry).hash, entries[4].hash);

  const udp = createSocket('udp4');
  const datagrams: string[] = [];
  udp.on('message', (message) => datagrams.push(message.toString()));
  udp.bind(0, '127.0.0.1');
  await once(udp, 'listening');
  t.after(() => udp.close());
  assert.equal(await sendToSyslog(scanAuditLog(dir), { host: '127.0.0.1', port: udp.address().port, protocol: 'udp' }), 6);
  const deadline = Date.now() + 10_000;
  while (datagrams.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(datagrams.length, 6);
  assert.match(datagrams[0], /^<110>1 /);

  let received = '';
  const tcp = createTcpServer((socket) => socket.on('data', (chunk: Buffer) => { received += chunk.toString(); }));
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  t.after(() => tcp.close());
  assert.equal(await sendToSyslog(scanAuditLog(dir), { host: '127.0.0.1', port: (tcp.address() as { port: number }).port, protocol: 'tcp' }), 6);
  while (received.split(' - {').length < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  // Octet counting: "<length> <message>" back to back.
  const frames: string[] = [];
  let rest = Buffer.from(received);
  while (rest.length > 0) {
    const space = rest.indexOf(0x20);
    const length = Number(rest.subarray(0, space).toString());
    frames.push(rest.subarray(space + 1, space + 1 + length).toString());
    rest = rest.subarray(space + 1 + length);
  }
  assert.equal(frames.length, 6);
  assert.ok(frames.every((f) => f.startsWith('<')));
});
