/**
 * One process per data directory: a second process gets RV_DATA_DIR_LOCKED (from Database.open,
 * with nothing written), the lock goes away with its holder even after kill -9, and opens
 * within one process share it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Database } from '../../../src/engine/index.js';
import { DataDirLock } from '../../../src/storage/index.js';
import { RvError } from '../../../src/errors.js';

/** Starts a process that opens `dir` as a Database and holds it until killed; resolves once it holds it. */
async function holdInChild(dir: string): Promise<{ kill: () => Promise<void> }> {
  const script = `
    const { Database } = await import(${JSON.stringify(new URL('../../../src/engine/index.ts', import.meta.url).href)});
    await Database.open({ path: ${JSON.stringify(dir)} });
    process.stdout.write('held\\n');
    setInterval(() => undefined, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => { out += chunk; if (out.includes('held')) resolve(); });
    child.once('exit', (code) => reject(new Error(`holder exited early with ${String(code)}`)));
  });
  return {
    kill: async () => {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

test('a data directory held by another process cannot be opened; kill -9 of the holder frees it', { timeout: 60000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rv-lock-'));
  try {
    const first = await Database.open({ path: dir });
    await first.createCollection('docs', { vectors: { size: 2, distance: 'Euclid' } });
    await first.close();

    const holder = await holdInChild(dir);
    const before = readdirSync(join(dir, 'collections'));
    await assert.rejects(Database.open({ path: dir }), (error: unknown) => {
      assert.ok(error instanceof RvError);
      assert.equal(error.code, 'RV_DATA_DIR_LOCKED');
      assert.match(error.message, /in use by another process/);
      return true;
    });
    assert.deepEqual(readdirSync(join(dir, 'collections')), before, 'the refused open touched nothing');

    await holder.kill(); // no clean shutdown: the kernel drops the lock with the process
    const reopened = await Database.open({ path: dir });
    assert.deepEqual(reopened.listCollections(), ['docs']);
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('opens within one process share the lock; the last release frees it for other processes', { timeout: 60000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rv-lock-'));
  try {
    const a = DataDirLock.acquire(dir);
    const b = DataDirLock.acquire(dir);
    a.release();
    a.release(); // idempotent: does not drop b's hold
    const stillHeld = holdInChild(dir);
    await assert.rejects(stillHeld, /holder exited early/, 'the child cannot take the lock while b holds it');
    b.release();
    const holder = await holdInChild(dir);
    assert.throws(() => DataDirLock.acquire(dir), (error: unknown) => error instanceof RvError && error.code === 'RV_DATA_DIR_LOCKED');
    await holder.kill();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
