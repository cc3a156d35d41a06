// The verifier names the first broken entry for each kind of tampering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyAuditLog, type AuditEntry } from '../../../src/security/audit/index.js';
import { auditDir, auditFiles, readLines, recomputeChain, rehash, writeEvents, writeLines } from './audit-fixtures.js';

async function singleFileLog(t: { after(fn: () => unknown): void }, count = 20): Promise<{ dir: string; file: string; lines: string[] }> {
  const dir = auditDir(t);
  await writeEvents(dir, count);
  const [name] = auditFiles(dir);
  assert.equal(auditFiles(dir).length, 1);
  return { dir, file: name, lines: readLines(join(dir, name)) };
}

test('an intact log verifies', async (t) => {
  const { dir } = await singleFileLog(t);
  const report = await verifyAuditLog(dir);
  assert.equal(report.ok, true, JSON.stringify(report.problem));
  assert.equal(report.entries, 20);
  assert.equal(report.firstSeq, 1);
  assert.equal(report.lastSeq, 20);
});

test('a modified entry is named (hash no longer matches)', async (t) => {
  const { dir, file, lines } = await singleFileLog(t);
  lines[4] = lines[4].replace('"principal":"key:2"', '"principal":"key:9"');
  writeLines(join(dir, file), lines);
  const report = await verifyAuditLog(dir);
  assert.equal(report.ok, false);
  assert.deepEqual({ kind: report.problem?.kind, file: report.problem?.file, line: report.problem?.line, seq: report.problem?.seq }, { kind: 'modified', file, line: 5, seq: 5 });
});

test('a modified and re-hashed entry is named (the next entry no longer links to it)', async (t) => {
  const { dir, file, lines } = await singleFileLog(t);
  const entry = JSON.parse(lines[4]) as AuditEntry;
  lines[4] = rehash({ ...entry, result: 'success', principal: 'key:innocent' });
  writeLines(join(dir, file), lines);
  const report = await verifyAuditLog(dir);
  assert.equal(report.problem?.kind, 'modified');
  assert.equal(report.problem?.line, 5);
  assert.match(report.problem?.reason ?? '', /re-hashed/);
});

test('a deleted entry is named at the line where the gap is', async (t) => {
  const { dir, file, lines } = await singleFileLog(t);
  lines.splice(4, 1);
  writeLines(join(dir, file), lines);
  const report = await verifyAuditLog(dir);
  assert.equal(report.problem?.kind, 'deleted');
  assert.equal(report.problem?.line, 5);
  assert.equal(report.problem?.seq, 6);
  assert.match(report.problem?.reason ?? '', /seq 5/);
});

test('an inserted entry is named, with a valid hash linked to its predecessor or with a bad one', async (t) => {
  for (const forgedHash of [true, false]) {
    const { dir, file, lines } = await singleFileLog(t);
    const before = JSON.parse(lines[3]) as AuditEntry;
    const forged: AuditEntry = { ...before, seq: 5, event_id: 'forged', action: 'test.forged', prev_hash: before.hash };
    lines.splice(4, 0, forgedHash ? rehash(forged) : JSON.stringify(forged));
    writeLines(join(dir, file), lines);
    const report = await verifyAuditLog(dir);
    assert.equal(report.problem?.kind, 'inserted', `forged hash ${forgedHash}: ${JSON.stringify(report.problem)}`);
    assert.equal(report.problem?.line, 5);
  }
});

test('reordered entries are named', async (t) => {
  const { dir, file, lines } = await singleFileLog(t);
  [lines[5], lines[6]] = [lines[6], lines[5]];
  writeLines(join(dir, file), lines);
  const report = await verifyAuditLog(dir);
  assert.equal(report.problem?.kind, 'reordered');
  assert.equal(report.problem?.line, 6);
  assert.match(report.problem?.reason ?? '', /seq 6 was expected.*line 7/);
});

test('a truncated log is detected: a cut line, and whole entries removed from the end', async (t) => {
  const cut = await singleFileLog(t);
  writeFileSync(join(cut.dir, cut.file), `${cut.lines.slice(0, 19).join('\n')}\n${cut.lines[19].slice(0, 40)}`);
  const cutReport = await verifyAuditLog(cut.dir);
  assert.equal(cutReport.problem?.kind, 'truncated');
  assert.equal(cutReport.problem?.line, 20);

  const removed = await singleFileLog(t);
  writeLines(join(removed.dir, removed.file), removed.lines.slice(0, 17));
  const removedReport = await verifyAuditLog(removed.dir);
  assert.equal(removedReport.problem?.kind, 'truncated');
  assert.equal(removedReport.problem?.seq, 18);
  assert.match(removedReport.problem?.reason ?? '', /ends at seq 17.*up to seq 20/);
});

test('a torn last line beyond head.json (a crash mid-write) is not tampering', async (t) => {
  const { dir, file } = await singleFileLog(t);
  appendFileSync(join(dir, file), '{"action":"test.torn","correlation');
  const report = await verifyAuditLog(dir);
  assert.equal(report.ok, true, JSON.stringify(report.problem));
  assert.equal(report.incompleteTail, true);
});

test('a missing file is named: in the middle, at the start and at the end', async (t) => {
  for (const which of ['middle', 'first', 'last'] as const) {
    const dir = auditDir(t);
    await writeEvents(dir, 60, { rotateSizeBytes: 2048 });
    const files = auditFiles(dir);
    assert.ok(files.length >= 4, `expected several files, got ${files.length}`);
    const index = which === 'first' ? 0 : which === 'last' ? files.length - 1 : 2;
    unlinkSync(join(dir, files[index]));
    const report = await verifyAuditLog(dir);
    assert.equal(report.problem?.kind, 'missing_file', `${which}: ${JSON.stringify(report.problem)}`);
    assert.equal(report.problem?.file, files[index].replace(/-\d{8}\.jsonl$/, '-YYYYMMDD.jsonl'));
  }
});

test('an emptied file in the middle is reported as deleted entries', async (t) => {
  const dir = auditDir(t);
  await writeEvents(dir, 60, { rotateSizeBytes: 2048 });
  const files = auditFiles(dir);
  writeFileSync(join(dir, files[1]), '');
  const report = await verifyAuditLog(dir);
  assert.equal(report.problem?.kind, 'deleted');
  assert.equal(report.problem?.file, files[1]);
});

test('HMAC mode: a chain recomputed without the key is rejected at its first entry', async (t) => {
  const dir = auditDir(t);
  const hmacKey = Buffer.alloc(32, 7);
  await writeEvents(dir, 15, { hmacKey });
  assert.equal((await verifyAuditLog(dir, { hmacKey })).ok, true);
  // Without the key the entries do not verify as plain SHA-256 either.
  assert.equal((await verifyAuditLog(dir)).problem?.kind, 'modified');

  recomputeChain(dir, (entry) => (entry.seq === 9 ? { ...entry, principal: 'key:someone-else' } : entry));
  // The forged chain is self-consistent as plain SHA-256, which is exactly what HMAC mode refuses.
  assert.equal((await verifyAuditLog(dir)).ok, true);
  const report = await verifyAuditLog(dir, { hmacKey });
  assert.equal(report.problem?.kind, 'modified');
  assert.equal(report.problem?.line, 1);
  assert.match(report.problem?.reason ?? '', /HMAC key/);
  // A wrong key fails too.
  assert.equal((await verifyAuditLog(dir, { hmacKey: Buffer.alloc(32, 8) })).ok, false);
});

test('a removed head.json is reported', async (t) => {
  const { dir } = await singleFileLog(t);
  unlinkSync(join(dir, 'head.json'));
  const report = await verifyAuditLog(dir);
  assert.equal(report.problem?.kind, 'truncated');
  assert.equal(report.problem?.file, 'head.json');
});
