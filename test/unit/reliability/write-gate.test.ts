// Read-only degradation: the operator lock, the free-disk monitor (injected readings and a real
// statfs), and the error writes get.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { WriteGate } from '../../../src/reliability/write-gate.js';
import { DiskSpaceMonitor, readFreeBytes } from '../../../src/reliability/disk-space-monitor.js';

const MIB = 1024 * 1024;
/** Why writes are refused now (a function, so the compiler does not narrow across awaits). */
const modeOf = (gate: WriteGate): string | undefined => gate.readOnly?.kind;

test('the operator lock refuses writes with a retryable RV_READ_ONLY carrying its message; POST semantics return the previous lock', () => {
  const gate = new WriteGate();
  assert.doesNotThrow(() => gate.assertWritable());
  assert.deepEqual(gate.setLock({ write: true, errorMessage: 'maintenance until 02:00' }), { write: false, errorMessage: null });
  assert.throws(() => gate.assertWritable(), (error: { code: string; retryable: boolean; message: string; details: { reason: string; retryAfterSeconds: number } }) => {
    assert.equal(error.code, 'RV_READ_ONLY');
    assert.equal(error.retryable, true);
    assert.equal(error.details.reason, 'lock');
    assert.ok(error.details.retryAfterSeconds > 0);
    assert.match(error.message, /read-only: maintenance until 02:00; reads keep working/);
    return true;
  });
  assert.deepEqual(gate.setLock({ write: false, errorMessage: null }), { write: true, errorMessage: 'maintenance until 02:00' });
  assert.doesNotThrow(() => gate.assertWritable());
});

test('low disk turns writes off and the first check with enough space lifts it', async () => {
  const gate = new WriteGate(7);
  let free = 900 * MIB;
  const changes: boolean[] = [];
  const monitor = new DiskSpaceMonitor({ path: '/data', minFreeBytes: 512 * MIB, intervalMs: 60_000, gate, readFree: async () => free, onChange: (readOnly) => changes.push(readOnly) });
  assert.equal(await monitor.check(), 900 * MIB);
  assert.equal(gate.readOnly, undefined);
  free = 100 * MIB;
  await monitor.check();
  assert.equal(modeOf(gate), 'disk');
  assert.throws(() => gate.assertWritable(), (error: { code: string; message: string; details: { retryAfterSeconds: number } }) => {
    assert.equal(error.code, 'RV_READ_ONLY');
    assert.equal(error.details.retryAfterSeconds, 7);
    assert.match(error.message, /free disk space on the data directory "\/data" is 100\.0 MiB, below the threshold of 512\.0 MiB \(reliability\.min_free_disk_mb\)/);
    return true;
  });
  free = 600 * MIB;
  await monitor.check();
  assert.equal(modeOf(gate), undefined, 'lifted by itself');
  assert.deepEqual(changes, [true, false], 'each change reported once');
});

test('the lock wins over the disk reason, and a failed check leaves the mode as it was', async () => {
  const gate = new WriteGate();
  let fail = false;
  const errors: unknown[] = [];
  const monitor = new DiskSpaceMonitor({
    path: '/data', minFreeBytes: 10, intervalMs: 60_000, gate, onError: (error) => errors.push(error),
    readFree: async () => { if (fail) throw new Error('EIO'); return 1; },
  });
  await monitor.check();
  gate.setLock({ write: true, errorMessage: null });
  assert.equal(modeOf(gate), 'lock');
  gate.setLock({ write: false, errorMessage: null });
  fail = true;
  assert.equal(await monitor.check(), undefined);
  assert.equal(modeOf(gate), 'disk', 'still read-only');
  assert.equal(errors.length, 1);
});

test('polling lifts read-only mode without anyone calling check()', async (t) => {
  const gate = new WriteGate();
  let free = 1;
  const monitor = new DiskSpaceMonitor({ path: '/data', minFreeBytes: 100, intervalMs: 10, gate, readFree: async () => free });
  t.after(() => monitor.stop());
  await monitor.start();
  assert.equal(modeOf(gate), 'disk');
  free = 1000;
  for (let i = 0; modeOf(gate) !== undefined; i++) {
    assert.ok(i < 500, 'not lifted within 5 s');
    await sleep(10);
  }
});

test('min_free_disk_mb = 0 disables the monitor; the real statfs reading is a plausible byte count', async () => {
  const gate = new WriteGate();
  const monitor = new DiskSpaceMonitor({ path: tmpdir(), minFreeBytes: 0, intervalMs: 10, gate, readFree: async () => 0 });
  assert.equal(monitor.enabled, false);
  assert.equal(await monitor.check(), undefined);
  assert.equal(gate.readOnly, undefined);
  const free = await readFreeBytes(tmpdir());
  assert.ok(Number.isSafeInteger(free) && free > 0, `free bytes ${free}`);
});
