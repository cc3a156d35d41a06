// The audit writer: one valid chain under concurrent callers, batching and durability, rotation
// (daily and by size) continuing the chain, retention with an anchor, crash recovery, one writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditLog, entryLine, hashEntry, verifyAuditLog, type AuditEntry } from '../../../src/security/audit/index.js';
import { auditDir, auditFiles, readLines, writeEvents } from './audit-fixtures.js';

/** A settable clock. */
function clock(iso: string): { now: () => Date; set(iso: string): void } {
  let current = new Date(iso);
  return { now: () => current, set: (next) => { current = new Date(next); } };
}

test('concurrent record() calls from many async tasks keep one valid chain', async (t) => {
  const dir = auditDir(t);
  const log = await AuditLog.open({ dir, fsyncBatchCount: 16, fsyncIntervalMs: 5 });
  const tasks = Array.from({ length: 40 }, async (_, task) => {
    for (let i = 0; i < 25; i++) {
      log.record({ principal: `task-${task}`, action: 'test.concurrent', result: 'success', metadata: { i } });
      // Interleave with the batch writer and with other tasks.
      if (i % 5 === 0) await log.flush();
      else await new Promise((r) => setImmediate(r));
    }
  });
  await Promise.all(tasks);
  await log.close();
  const report = await verifyAuditLog(dir);
  assert.equal(report.ok, true, JSON.stringify(report.problem));
  assert.equal(report.entries, 1000);
  const seqs = auditFiles(dir).flatMap((name) => readLines(join(dir, name)).map((line) => (JSON.parse(line) as AuditEntry).seq));
  assert.deepEqual(seqs, Array.from({ length: 1000 }, (_, i) => i + 1));
});

test('a second writer on the same directory is refused; after close a new writer continues the chain', async (t) => {
  const dir = auditDir(t);
  const first = await AuditLog.open({ dir });
  t.after(() => first.close());
  await assert.rejects(AuditLog.open({ dir }), { code: 'RV_AUDIT_LOCKED' });
  first.record({ action: 'test.a', result: 'success' });
  await first.close();
  assert.throws(() => first.record({ action: 'test.late', result: 'success' }), { code: 'RV_AUDIT_CLOSED' });
  const second = await AuditLog.open({ dir });
  const entry = second.record({ action: 'test.b', result: 'success' });
  await second.close();
  assert.equal(entry.seq, 2);
  assert.equal(auditFiles(dir).length, 2, 'each open starts a new file');
  const report = await verifyAuditLog(dir);
  assert.equal(report.ok, true, JSON.stringify(report.problem));
  assert.equal(report.entries, 2);
});

test('close() makes every recorded event durable; backlog counts what is not yet', async (t) => {
  const dir = auditDir(t);
  // Neither the count nor the timer fires on its own: only close() writes.
  const log = await AuditLog.open({ dir, fsyncBatchCount: 100_000, fsyncIntervalMs: 3_600_000 });
  for (let i = 0; i < 500; i++) log.record({ action: 'test.pending', result: 'success', metadata: { i } });
  assert.equal(log.backlog(), 500);
  assert.equal(auditFiles(dir).length, 0, 'nothing written before the batch is due');
  await log.close();
  assert.equal(log.backlog(), 0);
  const report = await verifyAuditLog(dir);
  assert.equal(report.entries, 500);
  assert.equal(report.ok, true);
});

test('batches are written by count and by time', async (t) => {
  const dir = auditDir(t);
  const log = await AuditLog.open({ dir, fsyncBatchCount: 10, fsyncIntervalMs: 3_600_000 });
  t.after(() => log.close());
  for (let i = 0; i < 10; i++) log.record({ action: 'test.count', result: 'success' });
  await log.flush(); // waits for the batch the 10th event started
  assert.equal(log.backlog(), 0);
  assert.equal(readLines(join(dir, auditFiles(dir)[0])).length, 10);

  const timed = await AuditLog.open({ dir: auditDir(t), fsyncBatchCount: 1000, fsyncIntervalMs: 20 });
  t.after(() => timed.close());
  timed.record({ action: 'test.timer', result: 'success' });
  const deadline = Date.now() + 10_000;
  while (timed.backlog() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(timed.backlog(), 0, 'the interval wrote the event');
  assert.equal(readLines(join(timed.dir, auditFiles(timed.dir)[0])).length, 1);
});

test('daily rotation continues the chain across files', async (t) => {
  const dir = auditDir(t);
  const time = clock('2026-01-01T23:59:59.000Z');
  const log = await AuditLog.open({ dir, now: time.now, fsyncBatchCount: 1000 });
  log.record({ action: 'test.day1', result: 'success' });
  time.set('2026-01-02T00:00:01.000Z');
  log.record({ action: 'test.day2', result: 'success' });
  log.record({ action: 'test.day2b', result: 'success' });
  time.set('2026-01-03T12:00:00.000Z');
  log.record({ action: 'test.day3', result: 'success' });
  await log.close();
  const files = auditFiles(dir);
  assert.deepEqual(files, ['audit-00000001-20260101.jsonl', 'audit-00000002-20260102.jsonl', 'audit-00000003-20260103.jsonl']);
  const lastOfFirst = JSON.parse(readLines(join(dir, files[0]))[0]) as AuditEntry;
  const firstOfSecond = JSON.parse(readLines(join(dir, files[1]))[0]) as AuditEntry;
  assert.equal(firstOfSecond.prev_hash, lastOfFirst.hash);
  const report = await verifyAuditLog(dir);
  assert.equal(report.ok, true, JSON.stringify(report.problem));
  assert.equal(report.entries, 4);
});

test('size rotation keeps files under the limit and the chain intact', async (t) => {
  const dir = auditDir(t);
  await writeEvents(dir, 200, { rotateSizeBytes: 4096 });
  const files = auditFiles(dir);
  assert.ok(files.length > 5, `${files.length} files`);
  for (const name of files) assert.ok(readFileSync(join(dir, name)).length <= 4096, name);
  const report = await verifyAuditLog(dir);
  assert.equal(report.ok, true, JSON.stringify(report.problem));
  assert.equal(report.entries, 200);
  assert.equal(report.files, files.length);
});

test('retention deletes old files, anchors the chain, and a later middle deletion is still detected', async (t) => {
  const dir = auditDir(t);
  const time = clock('2026-03-01T10:00:00.000Z');
  // Five days of events, one file per day.
  const log = await AuditLog.open({ dir, now: time.now, fsyncBatchCount: 1000 });
  for (let day = 1; day <= 5; day++) {
    time.set(`2026-03-0${day}T10:00:00.000Z`);
    for (let i = 0; i < 3; i++) log.record({ action: `test.day${day}`, result: 'success' });
  }
  await log.close();
  assert.equal(auditFiles(dir).length, 5);

  // Reopened on day 8 with 4 days of retention: days 1–3 go (their day < 2026-03-04).
  time.set('2026-03-08T10:00:00.000Z');
  const retained = await AuditLog.open({ dir, now: time.now, retentionDays: 4, fsyncBatchCount: 1000 });
  retained.record({ action: 'test.after', result: 'success' });
  await retained.close();
  const files = auditFiles(dir);
  assert.deepEqual(files.map((f) => f.slice(0, 14)), ['audit-00000004', 'audit-00000005', 'audit-00000006']);
  const anchor = JSON.parse(readFileSync(join(dir, 'anchor.json'), 'utf8')) as { first_file: number; first_seq: number; retention_seq: number };
  assert.equal(anchor.first_file, 4);
  assert.equal(anchor.first_seq, 10);
  const report = await verifyAuditLog(dir);
  assert.equal(report.ok, true, JSON.stringify(report.problem));
  assert.equal(report.firstSeq, 10);
  const retentionEntry = readLines(join(dir, files[2])).map((l) => JSON.parse(l) as AuditEntry).find((e) => e.action === 'audit.retention');
  assert.equal(retentionEntry?.metadata.deleted_files, 3);

  // Deleting the oldest retained file and moving the anchor past it is caught by the chain's own record.
  const copy = readFileSync(join(dir, files[0]));
  unlinkSync(join(dir, files[0]));
  assert.equal((await verifyAuditLog(dir)).problem?.kind, 'missing_file');
  const second = JSON.parse(readLines(join(dir, files[1]))[0]) as AuditEntry;
  writeFileSync(join(dir, 'anchor.json'), JSON.stringify({ ...anchor, first_file: 5, first_seq: second.seq, prev_hash: second.prev_hash }));
  const moved = await verifyAuditLog(dir);
  assert.equal(moved.problem?.kind, 'anchor', JSON.stringify(moved.problem));
  writeFileSync(join(dir, files[0]), copy);
  writeFileSync(join(dir, 'anchor.json'), JSON.stringify(anchor));
  assert.equal((await verifyAuditLog(dir)).ok, true);

  // A middle file deleted after retention is a gap.
  unlinkSync(join(dir, files[1]));
  const gap = await verifyAuditLog(dir);
  assert.equal(gap.problem?.kind, 'missing_file');
  assert.match(gap.problem?.file ?? '', /^audit-00000005-/);
});

test('a torn tail from a crash is trimmed on open and recorded; the chain stays valid', async (t) => {
  const dir = auditDir(t);
  await writeEvents(dir, 12);
  const [name] = auditFiles(dir);
  appendFileSync(join(dir, name), '{"action":"test.half-writ');
  const log = await AuditLog.open({ dir });
  log.record({ action: 'test.after-crash', result: 'success' });
  await log.close();
  assert.equal(readFileSync(join(dir, name), 'utf8').endsWith('\n'), true);
  const report = await verifyAuditLog(dir);
  assert.equal(report.ok, true, JSON.stringify(report.problem));
  const actions = auditFiles(dir).flatMap((f) => readLines(join(dir, f)).map((l) => (JSON.parse(l) as AuditEntry).action));
  assert.deepEqual(actions.slice(-2), ['audit.recovered', 'test.after-crash']);
});

test('entries removed from the end stay detectable after the writer reopens', async (t) => {
  const dir = auditDir(t);
  await writeEvents(dir, 12);
  const [name] = auditFiles(dir);
  const lines = readLines(join(dir, name));
  writeFileSync(join(dir, name), `${lines.slice(0, 9).join('\n')}\n`);
  await writeEvents(dir, 3);
  const report = await verifyAuditLog(dir);
  assert.equal(report.problem?.kind, 'deleted');
  assert.equal(report.problem?.line, 1);
  assert.equal(report.problem?.seq, 13);
  assert.ok(existsSync(join(dir, 'head.json')));
});

test('metadata keeps scalars only and long fields are cut; vectors cannot be recorded', async (t) => {
  const dir = auditDir(t);
  const log = await AuditLog.open({ dir });
  const entry = log.record({
    action: 'x'.repeat(500), result: 'success', userAgent: 'u'.repeat(5000),
    metadata: { points: 3, vector: [0.123456, 0.654321] as unknown as number, payload: { secret_note: 'x' } as unknown as string, bad: Number.NaN },
  });
  await log.close();
  assert.equal(entry.metadata.points, 3);
  assert.equal(entry.metadata.vector, null);
  assert.equal(entry.metadata.payload, null);
  assert.equal(entry.metadata.bad, null);
  assert.ok(entry.action.length <= 200);
  assert.ok((entry.user_agent ?? '').length <= 512);
  // Distinctive values: a timestamp such as "…:00.185Z" must not look like a leaked vector.
  assert.doesNotMatch(readFileSync(join(dir, auditFiles(dir)[0]), 'utf8'), /0\.123456|0\.654321|secret_note/);
  assert.equal((await verifyAuditLog(dir)).ok, true);
});

test('a short HMAC key and bad batch settings are refused', async (t) => {
  const dir = auditDir(t);
  await assert.rejects(AuditLog.open({ dir, hmacKey: Buffer.alloc(16) }), { code: 'RV_INVALID_ARGUMENT', message: /at least 32 bytes/ });
  await assert.rejects(AuditLog.open({ dir, fsyncBatchCount: 0 }), { code: 'RV_INVALID_ARGUMENT', message: /fsyncBatchCount/ });
  // The refused open released its lock.
  const log = await AuditLog.open({ dir });
  await log.close();
});

test('the written line is the canonical JSON of the entry, tricky strings and metadata keys included', async (t) => {
  const dir = auditDir(t);
  const log = await AuditLog.open({ dir });
  const tricky = log.record({
    action: 'x,"ip":"forged"', result: 'success', userAgent: '",\\"ip\\":"', principal: 'ü\u2028\u0000',
    metadata: { ip: 'meta', zz: 1, aa: true, '10': 2, '2': null },
  });
  await log.close();
  const [line] = readLines(join(dir, auditFiles(dir)[0]));
  assert.equal(line, entryLine(tricky));
  assert.equal(hashEntry(JSON.parse(line) as AuditEntry, {}), tricky.hash);
  assert.equal((await verifyAuditLog(dir)).ok, true);
});

test('an unreadable head.json is reported by verify, and a reopened writer records the recovery', async (t) => {
  const dir = auditDir(t);
  await writeEvents(dir, 5);
  writeFileSync(join(dir, 'head.json'), '{"file":1,"se');
  const broken = await verifyAuditLog(dir);
  assert.deepEqual([broken.problem?.kind, broken.problem?.file, broken.problem?.reason], ['modified', 'head.json', 'head.json is not valid JSON']);
  await writeEvents(dir, 1);
  const entries = auditFiles(dir).flatMap((f) => readLines(join(dir, f)).map((l) => JSON.parse(l) as AuditEntry));
  const recovered = entries.find((e) => e.action === 'audit.recovered');
  assert.equal(recovered?.metadata.head_unreadable, true);
  assert.equal((await verifyAuditLog(dir)).ok, true);
});
