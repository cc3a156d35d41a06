/**
 * Point operations: what the op log records and every replica applies, in order.
 * Operations are validated completely before they are appended (ids normalised, vectors
 * checked and prepared); applying one is deterministic given the shard's state.
 *
 * Encoding: UTF-8 JSON with a version field; vectors are stored prepared (normalised for
 * Cosine), as base64 of little-endian float32, which round-trips floats exactly.
 */
import { RvError } from '../errors.js';
import type { Filter } from '../core/filter/index.js';
import type { Payload, PointId } from '../core/types.js';

export interface PointWrite {
  id: PointId;
  /** Prepared vector. */
  vector: Float32Array;
  payload: Payload | null;
}

/** Which points an operation touches: explicit ids or a filter evaluated at apply time. */
export type PointSelector = { points: PointId[] } | { filter: Filter };

export type Operation =
  | { type: 'upsert'; points: PointWrite[] }
  | { type: 'delete'; selector: PointSelector }
  | { type: 'set_payload'; selector: PointSelector; payload: Payload; key?: string }
  | { type: 'overwrite_payload'; selector: PointSelector; payload: Payload }
  | { type: 'delete_payload'; selector: PointSelector; keys: string[] }
  | { type: 'clear_payload'; selector: PointSelector }
  | { type: 'update_vectors'; points: { id: PointId; vector: Float32Array }[] }
  | { type: 'delete_vectors'; selector: PointSelector }
  | { type: 'create_payload_index'; field: string; schema: unknown }
  | { type: 'delete_payload_index'; field: string };

const FORMAT_VERSION = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function vectorToBase64(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

function vectorFromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  // Copy into a fresh, 4-byte-aligned buffer (Buffer's pool offsets may not be aligned).
  return new Float32Array(new Uint8Array(bytes).buffer);
}

/**
 * Serialises an operation for the op log. `at` is the commit time (Unix ms) carried in the
 * record itself, so every replica and every backup sees the same time for the same sequence
 * (point-in-time restore reads it with operationCommitTimeMs).
 */
export function encodeOperation(op: Operation, committedAtMs = Date.now()): Uint8Array {
  const replacer = (_key: string, value: unknown): unknown => (value instanceof Float32Array ? { $f32: vectorToBase64(value) } : value);
  return encoder.encode(JSON.stringify({ v: FORMAT_VERSION, at: committedAtMs, op }, replacer));
}

const COMMIT_TIME_PREFIX = /^\{"v":\d+,"at":(\d+),/;

/**
 * The commit time (Unix ms) of an op-log record, read from its prefix without parsing the
 * whole record; undefined for records written before commit times were recorded.
 */
export function operationCommitTimeMs(record: Uint8Array): number | undefined {
  const match = COMMIT_TIME_PREFIX.exec(decoder.decode(record.subarray(0, 48)));
  return match === null ? undefined : Number(match[1]);
}

/** Parses an op-log record; a record that does not parse is corruption, never skipped. */
export function decodeOperation(record: Uint8Array): Operation {
  try {
    const parsed = JSON.parse(decoder.decode(record), (_key, value: unknown) => {
      if (typeof value === 'object' && value !== null && '$f32' in value) return vectorFromBase64((value as { $f32: string }).$f32);
      return value;
    }) as { v: number; op: Operation };
    if (parsed.v !== FORMAT_VERSION) throw new Error(`unknown operation format version ${parsed.v}`);
    return parsed.op;
  } catch (cause) {
    throw new RvError('RV_STORAGE_CORRUPTED', `op-log record does not decode: ${(cause as Error).message}`, { cause });
  }
}
