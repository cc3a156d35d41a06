// A writer killed with SIGKILL mid-stream: every event acknowledged as durable survives, the log
// verifies (a torn last batch beyond head.json is not tampering), and a new writer continues it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditLog, verifyAuditLog } from '../../../src/security/audit/index.js';
import { auditDir } from './audit-fixtures.js';

const writer = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/audit-crash-writer.ts');

test('SIGKILL mid-stream loses no durable event; the chain verifies and continues', { timeout: 120_000 }, async (t) => {
  const dir = auditDir(t);
  const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let durable = 0;
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (const match of out.matchAll(/durable (\d+)\n/g)) durable = Math.max(durable, Number(match[1]));
      if (durable >= 300) resolve();
    });
    child.once('exit', (code) => reject(new Error(`writer exited with ${code}: ${err}`)));
  });
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;

  const afterCrash = await verifyAuditLog(dir);
  assert.equal(afterCrash.ok, true, JSON.stringify(afterCrash.problem));
  assert.ok((afterCrash.lastSeq ?? 0) >= durable, `last seq ${afterCrash.lastSeq} < acknowledged ${durable}`);

  const log = await AuditLog.open({ dir });
  const next = log.record({ action: 'test.after', result: 'success' });
  await log.close();
  assert.ok(next.seq > durable);
  const reopened = await verifyAuditLog(dir);
  assert.equal(reopened.ok, true, JSON.stringify(reopened.problem));
  assert.equal(reopened.incompleteTail, false);
  assert.equal(reopened.lastSeq, next.seq);
});
