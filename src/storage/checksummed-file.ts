/**
 * Checksummed container files: index checkpoints and snapshots, written atomically and
 * verified end to end on read.
 *
 * Byte layout (integers little-endian):
 *
 * | offset       | size | field                                                                 |
 * |--------------|------|-----------------------------------------------------------------------|
 * | 0            | 8    | magic `89 52 56 46 0D 0A 1A 0A` ("\x89RVF\r\n\x1a\n")                  |
 * | 8            | 4    | format version, u32 (1)                                               |
 * | 12           | 4    | header length H, u32 (at most 16 MiB)                                 |
 * | 16           | H    | header, UTF-8 JSON: `{"kind": string, "sectionCount": n, "header": {…}}` |
 * | 16 + H       | 8    | section 0 length L0, u64                                              |
 * | 24 + H       | L0   | section 0 bytes                                                       |
 * | …            |      | sections 1 … n-1, each a u64 length then its bytes                    |
 * | size - 32    | 32   | SHA-256 of every byte before it                                       |
 *
 * The magic is PNG's trick: the high-bit first byte and the CR LF / ^Z / LF bytes make a
 * file mangled by a text-mode transfer fail at once. `kind` tells a checkpoint from a
 * snapshot (or one index type from another) so a file is never loaded as the wrong thing;
 * `sectionCount` lets a truncated file be reported as truncated rather than as a bad checksum.
 *
 * Writes go to a temp file in the same directory, which is fsynced, renamed over the target,
 * and the directory fsynced (see durable-fs.ts): the target holds the old file or the new one,
 * never a mix. A crash may leave a hidden `.<name>.tmp-*` file behind; it is never read.
 *
 * Large sections are streamed in chunks of a few MiB through a file handle, hashing each chunk
 * while the thread pool writes it, so the event loop is never held for more than a chunk's
 * hash.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { RvError, type ERROR_CODES, type ErrorCode } from '../errors.js';
import { replaceFileDurably, tempPathFor } from './durable-fs.js';
import { isSystemError, toStorageError } from './storage-errors.js';

/** The error codes a caller may have corruption reported with (every code of kind `corrupted`). */
export type CorruptedErrorCode = { [C in ErrorCode]: (typeof ERROR_CODES)[C]['kind'] extends 'corrupted' ? C : never }[ErrorCode];

/** What a checksummed file holds. */
export interface ChecksummedFileContents {
  /** What the file is, e.g. `"hnsw-checkpoint"`; checked on read. */
  kind: string;
  /** Small metadata (the sequence the checkpoint reflects, dimensions, …); must survive JSON. */
  header: object;
  /** The bulk data. */
  sections: readonly Uint8Array[];
}

/** A file read back and verified. */
export interface ChecksummedFile {
  kind: string;
  header: Record<string, unknown>;
  /**
   * Each section is its own ArrayBuffer starting at offset 0, so typed-array views of any
   * element size need no copy: `new Float32Array(s.buffer, 0, s.byteLength / 4)`.
   */
  sections: Uint8Array[];
}

/** What `verifyChecksummedFile` reports about a file that passed. */
export interface ChecksummedFileSummary {
  kind: string;
  formatVersion: number;
  sectionCount: number;
  sizeBytes: number;
}

/** Why a file was rejected, in `error.details.reason`. */
export type ChecksummedFileDefect =
  | 'truncated'
  | 'bad_magic'
  | 'unsupported_version'
  | 'bad_header'
  | 'trailing_bytes'
  | 'checksum_mismatch'
  | 'wrong_kind';

const MAGIC = Uint8Array.from([0x89, 0x52, 0x56, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const FORMAT_VERSION = 1;
const PREFIX_BYTES = 16; // magic + format version + header length
const LENGTH_BYTES = 8;
const CHECKSUM_BYTES = 32;
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
/** Bytes hashed and written (or read) per step: ~2–4 ms of SHA-256, a good event-loop slice. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Writes `contents` to `path` atomically (see the module comment for the format).
 * @throws RV_INVALID_ARGUMENT for a bad kind, header or section; RV_STORAGE_IO when the disk
 *   refuses (the previous file at `path`, if any, is then left untouched).
 * @example
 *   await writeChecksummedFile(join(dir, 'hnsw.ckpt'), {
 *     kind: 'hnsw-checkpoint',
 *     header: { seq: 1042, dimensions: 768 },
 *     sections: [new Uint8Array(vectors.buffer), new Uint8Array(links.buffer)],
 *   });
 */
export async function writeChecksummedFile(path: string, contents: ChecksummedFileContents): Promise<void> {
  const prefix = encodePrefix(contents);
  const tempPath = tempPathFor(path);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tempPath, 'wx');
    const hash = createHash('sha256');
    await writeHashed(handle, hash, prefix);
    for (const section of contents.sections) {
      await writeHashed(handle, hash, encodeU64(section.byteLength));
      await writeHashed(handle, hash, section);
    }
    await writeAll(handle, hash.digest());
    await handle.sync();
    await handle.close();
    handle = undefined;
    await replaceFileDurably(tempPath, path);
  } catch (error) {
    await handle?.close().catch(() => undefined); // the write error is the one to report
    await rm(tempPath, { force: true }).catch(() => undefined);
    throw toStorageError(error, { action: 'write file', path });
  }
}

/**
 * Reads and verifies the file at `path`.
 * @param expectedKind the `kind` it was written with.
 * @param corruptedCode the code to report a bad file with: `RV_CHECKPOINT_CORRUPTED` for
 *   index checkpoints (the caller rebuilds), `RV_SNAPSHOT_CORRUPTED` for snapshots.
 * @returns undefined when the file does not exist (a checkpoint not written yet is normal).
 * @throws `corruptedCode` when the file is truncated, has a bad magic, an unsupported format
 *   version, an unreadable header, trailing bytes, a checksum mismatch, or another kind; the
 *   message names the file and the defect, `details.reason` is a ChecksummedFileDefect.
 *   RV_STORAGE_IO when the file cannot be read.
 * @example
 *   const checkpoint = await readChecksummedFile(path, 'hnsw-checkpoint', 'RV_CHECKPOINT_CORRUPTED');
 *   if (checkpoint === undefined) rebuild();
 */
export async function readChecksummedFile(path: string, expectedKind: string, corruptedCode: CorruptedErrorCode): Promise<ChecksummedFile | undefined> {
  const scanned = await scanFile(path, corruptedCode, expectedKind, true);
  return scanned === undefined ? undefined : { kind: scanned.kind, header: scanned.header, sections: scanned.sections };
}

/**
 * Checks a file end to end (structure and checksum) without keeping its sections in memory,
 * e.g. before a backup is uploaded or after it is restored.
 * @returns a summary, or undefined when the file does not exist.
 * @throws as `readChecksummedFile`, with `corruptedCode` (default RV_STORAGE_CORRUPTED); the
 *   kind is checked only when `expectedKind` is given.
 * @example
 *   const summary = await verifyChecksummedFile(path, { expectedKind: 'snapshot', corruptedCode: 'RV_SNAPSHOT_CORRUPTED' });
 */
export async function verifyChecksummedFile(
  path: string,
  options: { expectedKind?: string; corruptedCode?: CorruptedErrorCode } = {},
): Promise<ChecksummedFileSummary | undefined> {
  const scanned = await scanFile(path, options.corruptedCode ?? 'RV_STORAGE_CORRUPTED', options.expectedKind, false);
  return scanned === undefined
    ? undefined
    : { kind: scanned.kind, formatVersion: FORMAT_VERSION, sectionCount: scanned.sectionCount, sizeBytes: scanned.sizeBytes };
}

// ---- writing ----------------------------------------------------------------------------

function encodePrefix(contents: ChecksummedFileContents): Uint8Array {
  const { kind, header, sections } = contents;
  if (typeof kind !== 'string' || kind === '') {
    throw new RvError('RV_INVALID_ARGUMENT', 'checksummed file kind must be a non-empty string', { details: { field: 'kind' } });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new RvError('RV_INVALID_ARGUMENT', 'checksummed file header must be a JSON object', { details: { field: 'header' } });
  }
  if (!Array.isArray(sections) || !sections.every((section) => section instanceof Uint8Array)) {
    throw new RvError('RV_INVALID_ARGUMENT', 'checksummed file sections must be an array of Uint8Array', { details: { field: 'sections' } });
  }
  const json = Buffer.from(JSON.stringify({ kind, sectionCount: sections.length, header }), 'utf8');
  if (json.byteLength > MAX_HEADER_BYTES) {
    throw new RvError('RV_INVALID_ARGUMENT', `checksummed file header is ${json.byteLength} bytes of JSON, the limit is ${MAX_HEADER_BYTES}: put bulk data in a section`,
      { details: { field: 'header', sizeBytes: json.byteLength, limitBytes: MAX_HEADER_BYTES } });
  }
  const prefix = Buffer.allocUnsafe(PREFIX_BYTES + json.byteLength);
  prefix.set(MAGIC, 0);
  prefix.writeUInt32LE(FORMAT_VERSION, 8);
  prefix.writeUInt32LE(json.byteLength, 12);
  prefix.set(json, PREFIX_BYTES);
  return prefix;
}

function encodeU64(value: number): Uint8Array {
  const bytes = Buffer.allocUnsafe(LENGTH_BYTES);
  bytes.writeBigUInt64LE(BigInt(value));
  return bytes;
}

/** Writes `bytes` in chunks, hashing each chunk while the thread pool writes it. */
async function writeHashed(handle: FileHandle, hash: Hash, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength; offset += CHUNK_BYTES) {
    const chunk = bytes.subarray(offset, Math.min(offset + CHUNK_BYTES, bytes.byteLength));
    const written = writeAll(handle, chunk);
    hash.update(chunk); // both only read `chunk`
    await written;
  }
}

/** write(2) may write less than asked (signals, some file systems): loop until done. */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
    offset += bytesWritten;
  }
}

// ---- reading ----------------------------------------------------------------------------

interface ScannedFile {
  kind: string;
  header: Record<string, unknown>;
  sections: Uint8Array[];
  sectionCount: number;
  sizeBytes: number;
}

/**
 * The one reader behind read and verify: walks the structure, hashing as it goes, and keeps
 * the sections only when `keepSections` is set. Structural checks come first (they explain a
 * truncated file better than a checksum mismatch would), then the checksum, then the kind
 * (after the checksum, so a flipped byte in the header reads as corruption, not as a wrong
 * kind).
 */
async function scanFile(path: string, code: CorruptedErrorCode, expectedKind: string | undefined, keepSections: boolean): Promise<ScannedFile | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isSystemError(error) && error.code === 'ENOENT') return undefined;
    throw toStorageError(error, { action: 'read file', path });
  }
  try {
    return await scanOpenFile(handle, path, code, expectedKind, keepSections);
  } catch (error) {
    throw toStorageError(error, { action: 'read file', path });
  } finally {
    await handle.close();
  }
}

async function scanOpenFile(handle: FileHandle, path: string, code: CorruptedErrorCode, expectedKind: string | undefined, keepSections: boolean): Promise<ScannedFile> {
  const defect = (reason: ChecksummedFileDefect, what: string, details: Record<string, unknown> = {}): RvError =>
    new RvError(code, `"${path}" is not a valid file: ${what}`, { details: { path, reason, ...details } });

  const { size } = await handle.stat();
  const hash = createHash('sha256');
  const bodyEnd = size - CHECKSUM_BYTES; // where the hashed part ends
  if (bodyEnd < PREFIX_BYTES) {
    throw defect('truncated', `truncated: ${size} bytes, shorter than the ${PREFIX_BYTES + CHECKSUM_BYTES}-byte minimum`, { sizeBytes: size });
  }

  const prefix = Buffer.allocUnsafe(PREFIX_BYTES);
  await readHashed(handle, hash, prefix, 0);
  if (!prefix.subarray(0, MAGIC.byteLength).equals(MAGIC)) {
    throw defect('bad_magic', `bad magic ${prefix.subarray(0, MAGIC.byteLength).toString('hex')} (not a RuVector checksummed file)`);
  }
  const formatVersion = prefix.readUInt32LE(8);
  if (formatVersion !== FORMAT_VERSION) {
    throw defect('unsupported_version', `format version ${formatVersion}, this RuVector reads version ${FORMAT_VERSION}`, { formatVersion });
  }
  const headerBytes = prefix.readUInt32LE(12);
  if (headerBytes > MAX_HEADER_BYTES) {
    throw defect('bad_header', `header length ${headerBytes} is over the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (PREFIX_BYTES + headerBytes > bodyEnd) {
    throw defect('truncated', `truncated: ${size} bytes, the ${headerBytes}-byte header alone needs ${PREFIX_BYTES + headerBytes + CHECKSUM_BYTES}`, { sizeBytes: size });
  }
  const headerJson = Buffer.allocUnsafe(headerBytes);
  await readHashed(handle, hash, headerJson, PREFIX_BYTES);
  const envelope = parseEnvelope(headerJson);
  if (envelope === undefined) throw defect('bad_header', 'the header is not the expected JSON object');
  // Every section takes at least its length field: a count beyond that is garbage, not a
  // reason to loop for ever.
  if (envelope.sectionCount * LENGTH_BYTES > bodyEnd - PREFIX_BYTES - headerBytes) {
    throw defect('truncated', `truncated: the header announces ${envelope.sectionCount} sections, ${size} bytes cannot hold them`, { sizeBytes: size });
  }

  const sections: Uint8Array[] = [];
  const scratch = keepSections ? undefined : Buffer.allocUnsafe(Math.min(CHUNK_BYTES, bodyEnd));
  let position = PREFIX_BYTES + headerBytes;
  const lengthField = Buffer.allocUnsafe(LENGTH_BYTES);
  for (let index = 0; index < envelope.sectionCount; index++) {
    if (position + LENGTH_BYTES > bodyEnd) {
      throw defect('truncated', `truncated: section ${index} of ${envelope.sectionCount} is missing (${size} bytes)`, { sizeBytes: size, section: index });
    }
    await readHashed(handle, hash, lengthField, position);
    position += LENGTH_BYTES;
    const length = lengthField.readBigUInt64LE(0);
    const remaining = bodyEnd - position;
    if (length > BigInt(remaining)) {
      throw defect('truncated', `truncated: section ${index} declares ${length} bytes, ${remaining} remain before the checksum`,
        { sizeBytes: size, section: index });
    }
    const sectionBytes = Number(length);
    if (scratch === undefined) {
      // Buffer.allocUnsafeSlow: a fresh ArrayBuffer at offset 0 (never the shared pool) and no
      // zero-filling of bytes that are about to be overwritten.
      const section = Buffer.allocUnsafeSlow(sectionBytes);
      await readHashed(handle, hash, section, position);
      sections.push(new Uint8Array(section.buffer, 0, sectionBytes));
    } else {
      for (let offset = 0; offset < sectionBytes; offset += scratch.byteLength) {
        const chunk = scratch.subarray(0, Math.min(scratch.byteLength, sectionBytes - offset));
        await readHashed(handle, hash, chunk, position + offset);
      }
    }
    position += sectionBytes;
  }
  if (position !== bodyEnd) {
    throw defect('trailing_bytes', `${bodyEnd - position} unexpected bytes after the last of ${envelope.sectionCount} sections`, { sizeBytes: size });
  }

  const stored = Buffer.allocUnsafe(CHECKSUM_BYTES);
  await readExactly(handle, stored, bodyEnd);
  const computed = hash.digest();
  if (!computed.equals(stored)) {
    throw defect('checksum_mismatch', `checksum mismatch (stored SHA-256 ${stored.toString('hex')}, computed ${computed.toString('hex')})`);
  }
  if (expectedKind !== undefined && envelope.kind !== expectedKind) {
    throw defect('wrong_kind', `it holds a ${JSON.stringify(envelope.kind)} file, expected ${JSON.stringify(expectedKind)}`,
      { kind: envelope.kind, expectedKind });
  }
  return { kind: envelope.kind, header: envelope.header, sections, sectionCount: envelope.sectionCount, sizeBytes: size };
}

interface Envelope {
  kind: string;
  sectionCount: number;
  header: Record<string, unknown>;
}

function parseEnvelope(json: Uint8Array): Envelope | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { kind, sectionCount, header } = value as Record<string, unknown>;
  if (typeof kind !== 'string' || !Number.isSafeInteger(sectionCount) || (sectionCount as number) < 0) return undefined;
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
  return { kind, sectionCount: sectionCount as number, header: header as Record<string, unknown> };
}

/** Fills `target` from `position` in chunks, hashing each chunk after it arrives. */
async function readHashed(handle: FileHandle, hash: Hash, target: Uint8Array, position: number): Promise<void> {
  for (let offset = 0; offset < target.byteLength; offset += CHUNK_BYTES) {
    const chunk = target.subarray(offset, Math.min(offset + CHUNK_BYTES, target.byteLength));
    await readExactly(handle, chunk, position + offset);
    hash.update(chunk);
  }
}

/** Fills `target` from `position`; the caller has checked the file is long enough. */
async function readExactly(handle: FileHandle, target: Uint8Array, position: number): Promise<void> {
  let offset = 0;
  while (offset < target.byteLength) {
    const { bytesRead } = await handle.read(target, offset, target.byteLength - offset, position + offset);
    if (bytesRead === 0) {
      // The file shrank after it was measured: something else is writing it.
      throw new RvError('RV_STORAGE_IO', `read file failed: unexpected end of file at byte ${position + offset}`,
        { details: { position: position + offset } });
    }
    offset += bytesRead;
  }
}
