// Crash safety of the engine: a child doing acknowledged writes is killed with SIGKILL at
// seeded random moments, several rounds on one data directory; on reopen every acknowledged
// write is present with its payload, nothing is half-applied, and the index finds the points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Database } from '../../../src/index.js';
import { mulberry32 } from '../../helpers/random.js';

const writer = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/engine-crash-writer.ts');

function runAndKill(path: string, start: number, killAfterMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, path, String(start)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked: number[] = [];
    let buffer = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
      if (timer === undefined && acked.length > 0) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited without being killed (signal ${signal})`));
      else resolve(acked);
    });
  });
}

test('acknowledged writes survive SIGKILL at random points, nothing half-applied', { timeout: 120_000 }, async (t) => {
  const path = mkdtempSync(join(tmpdir(), 'rv-crash-'));
  t.after(() => rmSync(path, { recursive: true, force: true }));
  const rand = mulberry32(2026);
  let next = 0;
  const allAcked: number[] = [];
  for (let round = 0; round < 4; round++) {
    const acked = await runAndKill(path, next, 50 + Math.floor(rand() * 400));
    assert.ok(acked.length > 0, `round ${round} acknowledged nothing`);
    allAcked.push(...acked);
    const db = await Database.open({ path });
    try {
      const c = db.collection('crash');
      for (const id of allAcked) {
        const point = c.getPoint(id);
        assert.deepEqual(point.payload, { id, tags: ['a', 'b'], second: id }, `point ${id} after round ${round}`);
      }
      // Writes after the last ack may or may not be there, but each is whole: the upsert's
      // payload is complete, with or without the second write.
      const { points } = c.scroll({ limit: 10000, with_payload: true });
      for (const p of points) {
        const payload = p.payload as Record<string, unknown>;
        assert.equal(payload.id, p.id);
        assert.deepEqual(payload.tags, ['a', 'b']);
      }
      const last = allAcked[allAcked.length - 1];
      const hit = c.search({ vector: Array.from({ length: 8 }, (_, j) => last + j / 10), limit: 1 });
      assert.equal(hit[0].id, last);
      next = Math.max(...points.map((p) => p.id as number)) + 1;
    } finally {
      await db.close();
    }
  }
});
