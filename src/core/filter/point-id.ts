/**
 * Point-id helpers for the filter: UUID normalisation (`has_id`, the `uuid` index) and
 * Qdrant's deterministic slices (`slice` condition).
 */
import type { PointId } from '../types.js';

const UUID_HYPHENATED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_SIMPLE = /^[0-9a-f]{32}$/i;

/**
 * The lowercase hyphenated form of a UUID written in any of the forms the `uuid` crate
 * (and so Qdrant) accepts: hyphenated, simple (32 hex digits), `{braced}` or `urn:uuid:`.
 * `undefined` when `text` is not a UUID.
 * @example normalizeUuid('{550E8400-E29B-41D4-A716-446655440000}') // '550e8400-e29b-41d4-a716-446655440000'
 */
export function normalizeUuid(text: string): string | undefined {
  let body = text;
  if (body.length === 38 && body.startsWith('{') && body.endsWith('}')) body = body.slice(1, -1);
  else if (body.length === 45 && body.slice(0, 9).toLowerCase() === 'urn:uuid:') body = body.slice(9);
  if (UUID_HYPHENATED.test(body)) return body.toLowerCase();
  if (UUID_SIMPLE.test(body)) {
    const hex = body.toLowerCase();
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return undefined;
}

const MASK_64 = (1n << 64n) - 1n;

function rotl(x: bigint, bits: bigint): bigint {
  return ((x << bits) | (x >> (64n - bits))) & MASK_64;
}

/**
 * SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF", 2012) of `message`
 * under the 128-bit key `k0`‖`k1` (two little-endian 64-bit words). BigInt keeps it short
 * and obviously correct; it only runs for `slice` conditions.
 */
export function sipHash24(message: Uint8Array, k0: bigint, k1: bigint): bigint {
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = (): void => {
    v0 = (v0 + v1) & MASK_64; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK_64; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & MASK_64; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & MASK_64; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const length = message.length;
  const fullWords = length - (length % 8);
  for (let offset = 0; offset <= fullWords; offset += 8) {
    let word = 0n;
    if (offset < fullWords) {
      for (let i = 7; i >= 0; i--) word = (word << 8n) | BigInt(message[offset + i]);
    } else {
      // Last block: the remaining bytes, and the message length in the top byte.
      word = BigInt(length & 0xff) << 56n;
      for (let i = length - 1; i >= offset; i--) word |= BigInt(message[i]) << BigInt(8 * (i - offset));
    }
    v3 ^= word;
    round();
    round();
    v0 ^= word;
  }
  v2 ^= 0xffn;
  round();
  round();
  round();
  round();
  return v0 ^ v1 ^ v2 ^ v3;
}

/** Qdrant's canonical id bytes: 8 little-endian bytes for numbers, the 16 UUID bytes. */
function idBytes(id: PointId): Uint8Array {
  if (typeof id === 'number') {
    const bytes = new Uint8Array(8);
    let rest = BigInt(id);
    for (let i = 0; i < 8; i++) {
      bytes[i] = Number(rest & 0xffn);
      rest >>= 8n;
    }
    return bytes;
  }
  const hex = (normalizeUuid(id) ?? id).replaceAll('-', '');
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/**
 * Which of `total` slices a point belongs to: SipHash-2-4 with a zero key over the id's
 * canonical bytes, modulo `total` (Qdrant's `Slice`). Stable across versions and platforms.
 */
export function sliceOf(id: PointId, total: number): number {
  return Number(sipHash24(idBytes(id), 0n, 0n) % BigInt(total));
}
