/**
 * Envelope: authenticated encryption of a whole blob (a checkpoint, a snapshot, a backup part)
 * bound to a context string. `open(seal(x, aad), aad)` returns `x`; `open` throws an RvError
 * when the blob was sealed for another `aad`, with another key, or was modified.
 * The keyring (security/crypto) hands out envelopes; callers that must work with and without
 * encryption take `Envelope | undefined`.
 */
export interface Envelope {
  seal(plain: Uint8Array, aad: string): Uint8Array;
  open(sealed: Uint8Array, aad: string): Uint8Array;
}
