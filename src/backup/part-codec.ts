/**
 * Backup parts at rest: plain bytes → gzip (node:zlib, on libuv's pool; Node 20 has no zstd)
 * → sealed with the Envelope when encryption is configured (AES-256-GCM, bound to
 * `ruvector-backup/<backup id>/<part>` so a part cannot be swapped for another) → SHA-256 of
 * what is stored, recorded in the manifest. Opening checks size and SHA-256 first, then
 * authenticates and decompresses; every failure is RV_BACKUP_CORRUPTED naming the part.
 *
 * Op-log parts hold records framed as (little-endian):
 *
 *   offset  size  field
 *   0       8     seq (float64, an integer)
 *   8       8     commit time, Unix ms (float64; NaN: unknown)
 *   16      4     record length N (uint32)
 *   20      N     the op-log record (engine/operations.ts encoding)
 */
import { webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { constants, gunzip, gzip } from 'node:zlib';
import { RvError } from '../errors.js';
import type { Envelope } from '../security/crypto/envelope.js';
import { partKey, type PartEntry, type PartKind } from './manifest.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);
/** Level 3: most of level 6's ratio on JSON and SQLite pages at about twice the speed; float vectors hardly compress at any level. */
const GZIP_LEVEL = 3;

/** SHA-256 on libuv's pool (WebCrypto's digest is asynchronous): hashing a 100 MiB part must not stall the event loop. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
}

function aadFor(backupId: string, part: string): string {
  return `ruvector-backup/${partKey(backupId, part)}`;
}

/** Compresses and (with an envelope) seals `plain`; returns the stored bytes and their manifest entry. */
export async function encodePart(options: { backupId: string; name: string; kind: PartKind; collection?: string; plain: Uint8Array; envelope: Envelope | undefined }): Promise<{ stored: Uint8Array; entry: PartEntry }> {
  const compressed = new Uint8Array(await gzipAsync(options.plain, { level: GZIP_LEVEL, strategy: constants.Z_DEFAULT_STRATEGY }));
  const stored = options.envelope === undefined ? compressed : options.envelope.seal(compressed, aadFor(options.backupId, options.name));
  const entry: PartEntry = {
    name: options.name, kind: options.kind, sizeBytes: stored.byteLength, plainBytes: options.plain.byteLength, sha256: await sha256Hex(stored),
    ...(options.collection === undefined ? {} : { collection: options.collection }),
  };
  return { stored, entry };
}

function corrupted(backupId: string, part: string, why: string, cause?: unknown): RvError {
  return new RvError('RV_BACKUP_CORRUPTED', `backup ${backupId}: part ${part} (${partKey(backupId, part)}) ${why}`, { cause, details: { backup: backupId, part } });
}

/** Checks size and SHA-256 of stored bytes against the manifest entry (no key needed). */
export async function checkPart(backupId: string, entry: PartEntry, stored: Uint8Array): Promise<void> {
  if (stored.byteLength !== entry.sizeBytes) throw corrupted(backupId, entry.name, `has ${stored.byteLength} bytes, the manifest says ${entry.sizeBytes}`);
  const actual = await sha256Hex(stored);
  if (actual !== entry.sha256) throw corrupted(backupId, entry.name, `fails its SHA-256 check (${actual}, manifest ${entry.sha256})`);
}

/** Verifies, opens and decompresses stored bytes back to the plain part. */
export async function decodePart(backupId: string, entry: PartEntry, stored: Uint8Array, envelope: Envelope | undefined, encrypted: boolean): Promise<Uint8Array> {
  await checkPart(backupId, entry, stored);
  let compressed = stored;
  if (encrypted) {
    if (envelope === undefined) {
      throw new RvError('RV_BACKUP_INVALID', `backup ${backupId} is encrypted: configure the same encryption key to read it`, { details: { backup: backupId, part: entry.name } });
    }
    try {
      compressed = envelope.open(stored, aadFor(backupId, entry.name));
    } catch (cause) {
      throw corrupted(backupId, entry.name, `does not decrypt (${(cause as Error).message})`, cause);
    }
  }
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(await gunzipAsync(compressed));
  } catch (cause) {
    throw corrupted(backupId, entry.name, `does not decompress (${(cause as Error).message})`, cause);
  }
  if (plain.byteLength !== entry.plainBytes) throw corrupted(backupId, entry.name, `decompresses to ${plain.byteLength} bytes, the manifest says ${entry.plainBytes}`);
  return plain;
}

export interface FramedOp {
  seq: number;
  committedAtMs: number | undefined;
  record: Uint8Array;
}

const FRAME_HEADER_BYTES = 20;

/** Frames op-log records into one buffer (see the module comment). */
export function frameOps(ops: readonly FramedOp[]): Uint8Array {
  let total = 0;
  for (const op of ops) total += FRAME_HEADER_BYTES + op.record.byteLength;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const op of ops) {
    view.setFloat64(offset, op.seq, true);
    view.setFloat64(offset + 8, op.committedAtMs ?? Number.NaN, true);
    view.setUint32(offset + 16, op.record.byteLength, true);
    out.set(op.record, offset + FRAME_HEADER_BYTES);
    offset += FRAME_HEADER_BYTES + op.record.byteLength;
  }
  return out;
}

/** Reads framed records back; a truncated or disordered frame is RV_BACKUP_CORRUPTED naming the part. */
export function unframeOps(backupId: string, part: string, bytes: Uint8Array): FramedOp[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: FramedOp[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    if (offset + FRAME_HEADER_BYTES > bytes.byteLength) throw corrupted(backupId, part, `is truncated at byte ${offset}`);
    const seq = view.getFloat64(offset, true);
    const at = view.getFloat64(offset + 8, true);
    const length = view.getUint32(offset + 16, true);
    const end = offset + FRAME_HEADER_BYTES + length;
    if (end > bytes.byteLength || !Number.isSafeInteger(seq) || seq < 1) throw corrupted(backupId, part, `has a malformed record at byte ${offset}`);
    if (out.length > 0 && seq <= out[out.length - 1].seq) throw corrupted(backupId, part, `has op ${seq} after op ${out[out.length - 1].seq} (out of order)`);
    out.push({ seq, committedAtMs: Number.isNaN(at) ? undefined : at, record: bytes.slice(offset + FRAME_HEADER_BYTES, end) });
    offset = end;
  }
  return out;
}
