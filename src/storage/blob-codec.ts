/**
 * BlobCodec: the hook through which every vector, payload and op blob passes on its way to
 * and from disk. Storage itself never interprets the bytes.
 *
 * The security layer plugs AES-256-GCM sealing in here (ARCHITECTURE.md, "Sealing"): `seal`
 * encrypts with a random nonce and puts the key id in a small header; `rowId` (plus `kind`)
 * goes in as associated data, so a sealed blob copied into another row, or from a vector
 * column into an op, fails to open. A codec that needs more identity (collection, shard)
 * closes over it when it is constructed.
 */

/** Which column a blob belongs to. */
export type BlobKind = 'vector' | 'payload' | 'op';

/**
 * Transforms blobs at rest. `open(kind, rowId, seal(kind, rowId, x))` must return `x`;
 * `open` must throw (an RvError with a `corrupted` kind, ideally) when the blob was not
 * sealed for this `kind` and `rowId`. Both are called synchronously inside SQLite
 * transactions, so they must be synchronous and should be fast.
 *
 * The row identities ShardStore passes:
 * - `vector`, `payload`: `"<internalId>:<pointKey>"`, so neither the blob nor the point key
 *   can be moved to another row unnoticed;
 * - `op`: the op's sequence number in decimal.
 *
 * @example
 *   const codec: BlobCodec = {
 *     seal: (kind, rowId, plain) => cipher.seal(plain, `${kind}/${rowId}`),
 *     open: (kind, rowId, sealed) => cipher.open(sealed, `${kind}/${rowId}`),
 *   };
 *   const store = ShardStore.open({ path, codec });
 */
export interface BlobCodec {
  seal(kind: BlobKind, rowId: string, plain: Uint8Array): Uint8Array;
  open(kind: BlobKind, rowId: string, sealed: Uint8Array): Uint8Array;
}

/** The codec without encryption: blobs are stored as given. */
export const IDENTITY_CODEC: BlobCodec = Object.freeze({
  seal: (_kind: BlobKind, _rowId: string, plain: Uint8Array) => plain,
  open: (_kind: BlobKind, _rowId: string, sealed: Uint8Array) => sealed,
});
