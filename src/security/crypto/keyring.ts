/**
 * Keyring: the master keys this process knows (the current one and previous ones kept for
 * reading during a rotation), and the sealing objects derived from them: a BlobCodec per
 * collection (rows) and an Envelope per collection or purpose (whole files).
 *
 * New seals always use the current key; opening picks the key the blob's header names, so
 * data under a previous key stays readable until the re-seal job has moved it and the key is
 * retired. Codecs and envelopes look the key up at each call, so a rotation (`setKeys`) takes
 * effect at once for everything handed out before.
 *
 * @example
 *   const keyring = Keyring.create({ current: masterKey, previous: [oldKey] });
 *   const store = ShardStore.open({ path, codec: keyring.codecFor('docs') });
 *   const sealed = keyring.envelopeFor('docs').seal(checkpointBytes, 'checkpoint/42/0');
 */
import { RvError } from '../../errors.js';
import type { BlobCodec, BlobKind } from '../../storage/index.js';
import type { Envelope } from './envelope.js';
import { deriveDataKey, keyIdHex, keyIdOf, MASTER_KEY_BYTES } from './key-id.js';
import { openBytes, sealBytes, sealedKeyId } from './sealed-format.js';

/** The master keys to use: `current` seals, every key opens. */
export interface MasterKeySet {
  current: Uint8Array;
  previous?: readonly Uint8Array[];
}

interface MasterKey {
  id: Uint8Array;
  idHex: string;
  material: Uint8Array;
  /** Derived data keys by purpose (HKDF is cheap but not free: cache per purpose). */
  derived: Map<string, Uint8Array>;
}

function toMasterKey(material: Uint8Array, role: string): MasterKey {
  if (!(material instanceof Uint8Array) || material.byteLength !== MASTER_KEY_BYTES) {
    throw new RvError('RV_MASTER_KEY_INVALID', `${role} master key must be ${MASTER_KEY_BYTES} bytes, got ${material instanceof Uint8Array ? material.byteLength : typeof material}`,
      { details: { role, expectedBytes: MASTER_KEY_BYTES } });
  }
  const id = keyIdOf(material);
  return { id, idHex: keyIdHex(id), material: new Uint8Array(material), derived: new Map() };
}

function dataKey(master: MasterKey, purpose: string): Uint8Array {
  let key = master.derived.get(purpose);
  if (key === undefined) {
    key = deriveDataKey(master.material, purpose);
    master.derived.set(purpose, key);
  }
  return key;
}

export class Keyring {
  private keys = new Map<string, MasterKey>();
  private current!: MasterKey;

  private constructor(keys: MasterKeySet) {
    this.setKeys(keys);
  }

  /** @throws RV_MASTER_KEY_INVALID when a key is not 32 bytes. */
  static create(keys: MasterKeySet): Keyring {
    return new Keyring(keys);
  }

  /** The id (16 hex digits) new seals carry. */
  get currentKeyId(): string {
    return this.current.idHex;
  }

  /** Every known key id, the current one first. */
  keyIds(): string[] {
    return [this.current.idHex, ...[...this.keys.keys()].filter((id) => id !== this.current.idHex)];
  }

  /**
   * Replaces the key set (rotation): `keys.current` seals from now on; keys already known and
   * not listed stay known for reading until `retire()` (data may still reference them).
   * Returns whether the current key changed.
   */
  setKeys(keys: MasterKeySet): boolean {
    const current = toMasterKey(keys.current, 'current');
    const previous = (keys.previous ?? []).map((key, i) => toMasterKey(key, `previous[${i}]`));
    const next = new Map(this.keys);
    for (const key of [current, ...previous]) if (!next.has(key.idHex)) next.set(key.idHex, key);
    const changed = this.current === undefined || this.current.idHex !== current.idHex;
    this.keys = next;
    this.current = next.get(current.idHex) as MasterKey;
    return changed;
  }

  /** Forgets keys other than the current one (call when nothing sealed references them). Returns the ids dropped. */
  retire(keyIds: readonly string[]): string[] {
    const dropped: string[] = [];
    for (const id of keyIds) {
      if (id !== this.current.idHex && this.keys.delete(id)) dropped.push(id);
    }
    return dropped;
  }

  /** The key id (hex) a sealed blob names, or undefined for bytes that are not sealed. */
  keyIdOfSealed(sealed: Uint8Array): string | undefined {
    const id = sealedKeyId(sealed);
    return id === undefined ? undefined : keyIdHex(id);
  }

  /** True when `sealed` is sealed under the current key (nothing for the re-seal job to do). */
  isCurrent(sealed: Uint8Array): boolean {
    return this.keyIdOfSealed(sealed) === this.current.idHex;
  }

  /** Row sealing for a collection's shard store (storage/blob-codec.ts). */
  codecFor(collection: string): BlobCodec {
    const purpose = `collection/${collection}/rows`;
    return {
      seal: (kind: BlobKind, rowId: string, plain: Uint8Array) => this.seal(purpose, plain, `${kind}/${rowId}`),
      open: (kind: BlobKind, rowId: string, sealed: Uint8Array) => this.open(purpose, sealed, `${kind}/${rowId}`, `${collection} ${kind} blob of row ${rowId}`),
    };
  }

  /** Whole-file sealing for a collection's checkpoints and snapshots. */
  envelopeFor(collection: string): Envelope {
    return this.purposeEnvelope(`collection/${collection}/files`, `collection ${collection}`);
  }

  /** Whole-file sealing for anything else (backups: `purposeEnvelope('backup')`). */
  purposeEnvelope(purpose: string, label = purpose): Envelope {
    const scoped = `purpose/${purpose}`;
    return {
      seal: (plain: Uint8Array, aad: string) => this.seal(scoped, plain, aad),
      open: (sealed: Uint8Array, aad: string) => this.open(scoped, sealed, aad, `${label} file part "${aad}"`),
    };
  }

  private seal(purpose: string, plain: Uint8Array, context: string): Uint8Array {
    return sealBytes(dataKey(this.current, purpose), this.current.id, plain, context);
  }

  private open(purpose: string, sealed: Uint8Array, context: string, what: string): Uint8Array {
    const idHex = this.keyIdOfSealed(sealed);
    const master = idHex === undefined ? this.current : this.keys.get(idHex);
    if (master === undefined) {
      throw new RvError('RV_KEY_UNKNOWN',
        `${what} is sealed under master key id ${String(idHex)}, which is not configured (configured: ${this.keyIds().join(', ')}): set that key as the master key or in master_key_previous`,
        { details: { what, keyId: idHex, configuredKeyIds: this.keyIds() } });
    }
    return openBytes(dataKey(master, purpose), sealed, context, what);
  }
}
