// Crash safety of ShardStore: a writer killed with SIGKILL mid-stream loses no acknowledged
// transaction and leaves nothing half-applied (no op without its point, applied seq in step).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { ShardStore, type Durability } from '../../../src/storage/index.js';
import { mulberry32 } from '../../helpers/random.js';
import { crashOpRecord, crashPointKey, crashVector } from '../../fixtures/storage-crash-records.js';

const writerScript = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/storage-crash-writer.ts');
const ROUNDS = 8;

interface Round {
  /** The last op seq the writer found when it opened the store. */
  startSeq: number;
  acked: number[];
}

/** Runs the writer until a random moment after it is ready, then SIGKILLs it. */
async function runAndKill(dir: string, seed: number, durability: Durability, killAfterMs: number, track: (child: ChildProcess | undefined) => void): Promise<Round> {
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dir, String(seed), durability], { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let stdout = '';
  let stderr = '';
  let killed = false;
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    if (!killed && stdout.includes('\n')) {
      killed = true; // the first line is "ready": start the clock
      setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const signal = await new Promise<NodeJS.Signals | null>((resolveExit) => child.on('close', (_code, exitSignal) => resolveExit(exitSignal)));
  track(undefined);
  assert.equal(signal, 'SIGKILL', `the writer died on its own:\n${stderr}`);
  const lines = stdout.split('\n');
  lines.pop(); // a line cut by the kill is not an ack
  const ready = /^ready (\d+)$/.exec(lines[0] ?? '');
  assert.ok(ready, `the writer never became ready:\n${stdout}\n${stderr}`);
  const acked = lines.slice(1).map((line) => {
    const match = /^ack (\d+)$/.exec(line);
    assert.ok(match, `unexpected writer output ${JSON.stringify(line)}`);
    return Number(match[1]);
  });
  return { startSeq: Number(ready[1]), acked };
}

test('a writer killed with SIGKILL loses no acknowledged transaction and leaves nothing half-applied', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let running: ChildProcess | undefined;
  t.after(() => running?.kill('SIGKILL'));

  const rand = mulberry32(0x5eed);
  const allAcked: number[] = [];
  let lastSeqBefore = 0;
  let truncatedThrough = 0;
  let unackedCommits = 0;

  for (let round = 0; round < ROUNDS; round++) {
    const durability: Durability = round % 3 === 2 ? 'fsync' : 'normal';
    const killAfterMs = 20 + Math.floor(rand() * 250);
    const { startSeq, acked } = await runAndKill(dir, round + 1, durability, killAfterMs, (child) => (running = child));
    const context = `round ${round} (${durability}, killed ${killAfterMs} ms after ready)`;

    // Sequences continue from where the last round (and the truncation) left them.
    assert.equal(startSeq, lastSeqBefore, `${context}: the writer reopened at seq ${startSeq}`);
    acked.forEach((seq, i) => assert.equal(seq, startSeq + 1 + i, `${context}: acks are consecutive`));
    allAcked.push(...acked);

    const store = ShardStore.open({ path: join(dir, 'shard.db') });
    try {
      const lastOpSeq = store.lastOpSeq();
      const lastAcked = acked.length > 0 ? acked[acked.length - 1] : startSeq;
      // A commit whose ack the kill swallowed is fine; an ack without its commit is not.
      assert.ok(lastOpSeq >= lastAcked, `${context}: last op seq ${lastOpSeq} < last acked ${lastAcked}`);
      unackedCommits += lastOpSeq - lastAcked;
      assert.equal(store.getAppliedSeq(), lastOpSeq, `${context}: applied seq and last op seq committed together`);

      // Points: exactly one per op ever committed, each blob intact.
      assert.equal(store.countPoints(), lastOpSeq, `${context}: point count`);
      assert.equal(store.maxInternalId(), lastOpSeq, `${context}: max internal id`);
      let expectedId = 1;
      for (const point of store.iteratePoints()) {
        assert.equal(point.internalId, expectedId, `${context}: point ids are 1..${lastOpSeq} without holes`);
        assert.equal(point.version, point.internalId);
        assert.equal(point.pointKey, crashPointKey(point.internalId));
        assert.deepEqual(point.vector, crashVector(point.internalId), `${context}: vector of point ${point.internalId}`);
        expectedId += 1;
      }

      // Ops: every op after the truncation point is there, with its point (checked above).
      const expectedFirst = truncatedThrough + 1;
      assert.equal(store.firstOpSeq(), expectedFirst, `${context}: first op seq`);
      let expectedSeq = expectedFirst;
      for (const { seq, record } of store.iterateOps(0)) {
        assert.equal(seq, expectedSeq, `${context}: op seqs are contiguous`);
        assert.deepEqual(record, crashOpRecord(seq), `${context}: record of op ${seq}`);
        expectedSeq += 1;
      }
      assert.equal(expectedSeq - 1, lastOpSeq, `${context}: the op log ends at the last op seq`);

      // Every other round, truncate part of the log: later rounds must continue above it.
      if (round % 2 === 1 && lastOpSeq > truncatedThrough) {
        truncatedThrough = truncatedThrough + 1 + Math.floor(rand() * (lastOpSeq - truncatedThrough));
        store.truncateOpsThrough(truncatedThrough);
        assert.equal(store.lastOpSeq(), lastOpSeq, `${context}: truncation keeps the last op seq`);
      }
      lastSeqBefore = lastOpSeq;
    } finally {
      store.close();
    }
  }

  // Not vacuous: the writer really committed a lot, across rounds.
  assert.ok(allAcked.length >= ROUNDS * 10, `only ${allAcked.length} acked transactions over ${ROUNDS} rounds`);
  t.diagnostic(`${allAcked.length} ops acked, ${unackedCommits} committed but unacked at the kill, log truncated through ${truncatedThrough}`);

  const raw = new Database(join(dir, 'shard.db'), { readonly: true });
  t.after(() => raw.close());
  assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
});
