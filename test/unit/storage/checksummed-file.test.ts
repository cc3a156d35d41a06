// Checksummed container files: round trip, the documented byte layout, every defect reported
// with the caller's code, and atomic replacement (an interrupted write never replaces the file).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readChecksummedFile, verifyChecksummedFile, writeChecksummedFile } from '../../../src/storage/index.js';
import type { RvError } from '../../../src/errors.js';
import { mulberry32 } from '../../helpers/random.js';

const writerScript = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/storage-checksummed-writer.ts');

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'rv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function randomBytes(seed: number, length: number): Uint8Array {
  const rand = mulberry32(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

const BIG_BYTES = 6 * 1024 * 1024 + 13; // several MB, more than one 4 MiB chunk, odd length
const header = { seq: 1042, dimensions: 768, note: 'ünïcode' };

/** Writes a 3-section checkpoint (one of several MB) and returns its path and sections. */
async function writeSample(t: TestContext, kind = 'hnsw-checkpoint'): Promise<{ path: string; sections: Uint8Array[] }> {
  const path = join(tempDir(t), 'index.ckpt');
  const sections = [Uint8Array.from([1, 2, 3, 4, 5]), randomBytes(7, BIG_BYTES), new Uint8Array(0)];
  await writeChecksummedFile(path, { kind, header, sections });
  return { path, sections };
}

test('a file with three sections, one of several MB, round-trips', async (t) => {
  const { path, sections } = await writeSample(t);
  const file = await readChecksummedFile(path, 'hnsw-checkpoint', 'RV_CHECKPOINT_CORRUPTED');
  assert.ok(file);
  assert.equal(file.kind, 'hnsw-checkpoint');
  assert.deepEqual(file.header, header);
  assert.equal(file.sections.length, 3);
  file.sections.forEach((section, i) => {
    assert.equal(Object.getPrototypeOf(section), Uint8Array.prototype);
    assert.equal(section.byteOffset, 0, `section ${i} starts its own buffer`);
    assert.equal(section.buffer.byteLength, section.byteLength, `section ${i} shares no buffer`);
    assert.ok(Buffer.from(section).equals(Buffer.from(sections[i])), `section ${i} bytes`);
  });
  // Aligned for any typed-array view without a copy.
  assert.equal(new Float64Array(file.sections[1].buffer, 0, 4).length, 4);

  assert.deepEqual(await verifyChecksummedFile(path), {
    kind: 'hnsw-checkpoint', formatVersion: 1, sectionCount: 3, sizeBytes: statSync(path).size,
  });
  assert.deepEqual(readdirSync(dirname(path)), ['index.ckpt'], 'no temp file left behind');
});

test('the file follows the documented byte layout', async (t) => {
  const { path, sections } = await writeSample(t);
  const bytes = readFileSync(path);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x52, 0x56, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 'magic');
  assert.equal(bytes.readUInt32LE(8), 1, 'format version');
  const headerBytes = bytes.readUInt32LE(12);
  assert.deepEqual(JSON.parse(bytes.subarray(16, 16 + headerBytes).toString('utf8')), { kind: 'hnsw-checkpoint', sectionCount: 3, header });
  let position = 16 + headerBytes;
  for (const section of sections) {
    assert.equal(bytes.readBigUInt64LE(position), BigInt(section.byteLength));
    position += 8 + section.byteLength;
  }
  assert.equal(position, bytes.length - 32);
  const sha256 = createHash('sha256').update(bytes.subarray(0, position)).digest();
  assert.ok(sha256.equals(bytes.subarray(position)), 'trailing SHA-256 of everything before it');
});

test('a missing file reads as undefined', async (t) => {
  const dir = tempDir(t);
  assert.equal(await readChecksummedFile(join(dir, 'absent.ckpt'), 'hnsw-checkpoint', 'RV_CHECKPOINT_CORRUPTED'), undefined);
  assert.equal(await verifyChecksummedFile(join(dir, 'absent.ckpt')), undefined);
});

test('a truncated file fails with the caller\'s code and says it is truncated', async (t) => {
  const { path } = await writeSample(t);
  const size = statSync(path).size;
  // Cut inside the checksum, inside the big section, just after the header, inside the
  // header, and before the end of the fixed prefix.
  for (const cut of [size - 1, size - 40, Math.floor(size / 2), 200, 60, 10]) {
    const copy = `${path}.${cut}`;
    writeFileSync(copy, readFileSync(path).subarray(0, cut));
    t.after(() => rmSync(copy, { force: true }));
    await assert.rejects(readChecksummedFile(copy, 'hnsw-checkpoint', 'RV_CHECKPOINT_CORRUPTED'), (error: RvError) => {
      assert.equal(error.code, 'RV_CHECKPOINT_CORRUPTED');
      assert.match(error.message, new RegExp(`^"${copy}" is not a valid file: truncated`));
      assert.equal(error.details?.reason, 'truncated');
      return true;
    }, `cut at ${cut} of ${size}`);
    await assert.rejects(verifyChecksummedFile(copy, { corruptedCode: 'RV_SNAPSHOT_CORRUPTED' }), { code: 'RV_SNAPSHOT_CORRUPTED' });
  }
  truncateSync(path, 0);
  await assert.rejects(readChecksummedFile(path, 'hnsw-checkpoint', 'RV_CHECKPOINT_CORRUPTED'), { code: 'RV_CHECKPOINT_CORRUPTED', message: /truncated: 0 bytes/ });
});

test('a flipped byte in the middle fails the checksum with the caller\'s code', async (t) => {
  const { path } = await writeSample(t);
  const bytes = readFileSync(path);
  bytes[Math.floor(bytes.length / 2)] ^= 0x01;
  writeFileSync(path, bytes);
  await assert.rejects(readChecksummedFile(path, 'hnsw-checkpoint', 'RV_SNAPSHOT_CORRUPTED'), {
    code: 'RV_SNAPSHOT_CORRUPTED',
    message: new RegExp(`^"${path}" is not a valid file: checksum mismatch \\(stored SHA-256 [0-9a-f]{64}, computed [0-9a-f]{64}\\)$`),
  });
  await assert.rejects(verifyChecksummedFile(path), { code: 'RV_STORAGE_CORRUPTED', message: /checksum mismatch/ });
});

test('a flipped byte in the checksum, the header or the magic is caught too', async (t) => {
  const { path } = await writeSample(t);
  const good = readFileSync(path);
  const cases: Array<[string, number, RegExp]> = [
    ['checksum', good.length - 5, /checksum mismatch/],
    ['header JSON value', 40, /checksum mismatch|header is not the expected JSON object/],
    ['header JSON syntax', 16, /header is not the expected JSON object/],
    ['magic', 2, /bad magic 8952/],
    ['format version', 8, /format version 0, this RuVector reads version 1/],
  ];
  for (const [what, offset, message] of cases) {
    const bytes = Buffer.from(good);
    bytes[offset] ^= what === 'format version' ? 0x01 : 0x20;
    writeFileSync(path, bytes);
    await assert.rejects(readChecksummedFile(path, 'hnsw-checkpoint', 'RV_CHECKPOINT_CORRUPTED'), { code: 'RV_CHECKPOINT_CORRUPTED', message }, what);
  }
});

test('trailing bytes after the last section are refused', async (t) => {
  const { path } = await writeSample(t);
  const good = readFileSync(path);
  // Insert junk before the checksum, keeping the checksum last.
  writeFileSync(path, Buffer.concat([good.subarray(0, good.length - 32), Buffer.from('junk'), good.subarray(good.length - 32)]));
  await assert.rejects(readChecksummedFile(path, 'hnsw-checkpoint', 'RV_CHECKPOINT_CORRUPTED'), {
    code: 'RV_CHECKPOINT_CORRUPTED', message: /4 unexpected bytes after the last of 3 sections/,
  });
});

test('a file of another kind fails with the caller\'s code, naming both kinds', async (t) => {
  const { path } = await writeSample(t, 'snapshot');
  await assert.rejects(readChecksummedFile(path, 'hnsw-checkpoint', 'RV_CHECKPOINT_CORRUPTED'), {
    code: 'RV_CHECKPOINT_CORRUPTED',
    message: `"${path}" is not a valid file: it holds a "snapshot" file, expected "hnsw-checkpoint"`,
  });
  await assert.rejects(verifyChecksummedFile(path, { expectedKind: 'hnsw-checkpoint' }), { code: 'RV_STORAGE_CORRUPTED', message: /holds a "snapshot" file/ });
  assert.equal((await verifyChecksummedFile(path))?.kind, 'snapshot');
});

test('a write replaces the previous file whole', async (t) => {
  const { path } = await writeSample(t);
  await writeChecksummedFile(path, { kind: 'hnsw-checkpoint', header: { seq: 2000 }, sections: [Uint8Array.from([9])] });
  const file = await readChecksummedFile(path, 'hnsw-checkpoint', 'RV_CHECKPOINT_CORRUPTED');
  assert.deepEqual(file, { kind: 'hnsw-checkpoint', header: { seq: 2000 }, sections: [Uint8Array.from([9])] });
});

test('an interrupted write (process killed mid-file) never replaces the good file', async (t) => {
  const { path, sections } = await writeSample(t, 'test-checkpoint');
  const dir = dirname(path);
  const child = spawn(process.execPath, ['--import', 'tsx', writerScript, path], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<NodeJS.Signals | null>((resolveExit) => child.on('close', (_code, signal) => resolveExit(signal)));

  // Kill the writer once its temp file holds some data, well before its 512 MiB are written.
  const tempFile = (): string | undefined => readdirSync(dir).find((name) => name.startsWith('.index.ckpt.tmp-'));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const name = tempFile();
    if (name !== undefined && statSync(join(dir, name)).size > 1024 * 1024) break;
    assert.ok(child.exitCode === null, `the writer exited before being killed:\n${stderr}`);
    assert.ok(Date.now() < deadline, 'the writer never started writing');
    await new Promise((resolveWait) => setTimeout(resolveWait, 2));
  }
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');

  const leftover = tempFile();
  assert.ok(leftover, 'the interrupted temp file is left behind');
  assert.ok(statSync(join(dir, leftover)).size < 512 * 1024 * 1024, 'the write really was interrupted');
  const file = await readChecksummedFile(path, 'test-checkpoint', 'RV_CHECKPOINT_CORRUPTED');
  assert.ok(file, 'the good file is still there');
  assert.deepEqual(file.header, header);
  assert.ok(Buffer.from(file.sections[1]).equals(Buffer.from(sections[1])));

  // The leftover does not get in the way of the next write.
  await writeChecksummedFile(path, { kind: 'test-checkpoint', header: { seq: 3 }, sections: [] });
  assert.deepEqual((await readChecksummedFile(path, 'test-checkpoint', 'RV_CHECKPOINT_CORRUPTED'))?.header, { seq: 3 });
});

test('a failed write reports RV_STORAGE_IO, keeps the previous file and removes its temp file', async (t) => {
  const { path } = await writeSample(t);
  const dir = dirname(path);
  // The target name is taken by a non-empty directory: the final rename fails.
  const blocked = join(dir, 'blocked.ckpt');
  mkdirSync(join(blocked, 'inside'), { recursive: true });
  await assert.rejects(writeChecksummedFile(blocked, { kind: 'hnsw-checkpoint', header: {}, sections: [new Uint8Array(10)] }), {
    code: 'RV_STORAGE_IO', message: new RegExp(`write file on "${blocked}" failed`),
  });
  await assert.rejects(writeChecksummedFile(join(dir, 'missing', 'x.ckpt'), { kind: 'hnsw-checkpoint', header: {}, sections: [] }), {
    code: 'RV_STORAGE_IO', message: /ENOENT/,
  });
  assert.deepEqual(readdirSync(dir).sort(), ['blocked.ckpt', 'index.ckpt']);
  assert.ok(await readChecksummedFile(path, 'hnsw-checkpoint', 'RV_CHECKPOINT_CORRUPTED'));
});

test('writes validate kind, header and sections before touching the disk', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'x.ckpt');
  const bad: Array<[string, Parameters<typeof writeChecksummedFile>[1], RegExp]> = [
    ['empty kind', { kind: '', header: {}, sections: [] }, /kind must be a non-empty string/],
    ['array header', { kind: 'k', header: [], sections: [] }, /header must be a JSON object/],
    ['section not bytes', { kind: 'k', header: {}, sections: ['x' as unknown as Uint8Array] }, /sections must be an array of Uint8Array/],
    ['huge header', { kind: 'k', header: { blob: 'x'.repeat(17 * 1024 * 1024) }, sections: [] }, /header is \d+ bytes of JSON, the limit is 16777216/],
  ];
  for (const [what, contents, message] of bad) {
    await assert.rejects(writeChecksummedFile(path, contents), { code: 'RV_INVALID_ARGUMENT', message }, what);
  }
  assert.deepEqual(readdirSync(dir), []);
});
