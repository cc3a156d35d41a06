/**
 * Encryption at rest as the engine sees it (ARCHITECTURE.md, "Sealing"): a CollectionSealing
 * (the security layer's Keyring) hands each collection its own row codec and file envelope,
 * and says which sealed bytes are under the current key (the re-seal job skips those).
 * Index checkpoint and snapshot sections are sealed one by one with the file's identity as
 * associated data, so a section cannot move to another position, checkpoint or snapshot.
 */
import { RvError } from '../errors.js';
import type { Envelope } from '../security/crypto/index.js';
import type { BlobCodec } from '../storage/index.js';

export interface CollectionSealing {
  /** Row sealing for the collection's shard store. */
  codecFor(collection: string): BlobCodec;
  /** Whole-file sealing for the collection's checkpoints and snapshots. */
  envelopeFor(collection: string): Envelope;
  /** True when `sealed` is under the current master key. */
  isCurrent(sealed: Uint8Array): boolean;
  readonly currentKeyId: string;
  /** Every key id that can open data, the current one first. */
  keyIds(): string[];
}

/** Seals each section, bound to `context`, its position and the section count. */
export function sealSections(envelope: Envelope, sections: readonly Uint8Array[], context: string): Uint8Array[] {
  return sections.map((section, i) => envelope.seal(section, `${context}/section/${i}/of/${sections.length}`));
}

/** Opens sections sealed by `sealSections` with the same context (throws on any mismatch). */
export function openSections(envelope: Envelope, sections: readonly Uint8Array[], context: string): Uint8Array[] {
  return sections.map((section, i) => envelope.open(section, `${context}/section/${i}/of/${sections.length}`));
}

/** The associated-data context of a checkpoint: the sequence it reflects. */
export function checkpointContext(seq: number): string {
  return `checkpoint/${seq}`;
}

/** What a checkpoint file's header carries besides the index header. */
export interface CheckpointHeader {
  seq: number;
  index: unknown;
  /** Present and true when the sections are sealed. */
  sealed?: boolean;
}

/** The checkpoint's header and sections as written: sealed when `envelope` is given. */
export function sealCheckpoint(envelope: Envelope | undefined, header: CheckpointHeader, sections: Uint8Array[]): { header: CheckpointHeader; sections: Uint8Array[] } {
  if (envelope === undefined) return { header, sections };
  return { header: { ...header, sealed: true }, sections: sealSections(envelope, sections, checkpointContext(header.seq)) };
}

/**
 * The checkpoint's plain sections. A sealed checkpoint read with encryption off (or the
 * reverse) is refused: the caller then rebuilds the index from the point store.
 */
export function openCheckpoint(envelope: Envelope | undefined, header: CheckpointHeader, sections: Uint8Array[]): Uint8Array[] {
  const sealed = header.sealed === true;
  if (sealed !== (envelope !== undefined)) {
    throw new RvError('RV_CHECKPOINT_CORRUPTED', sealed ? 'the index checkpoint is sealed but encryption is off' : 'the index checkpoint is not sealed but encryption is on');
  }
  if (envelope === undefined) return sections;
  return openSections(envelope, sections, checkpointContext(header.seq));
}
