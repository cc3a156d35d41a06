/**
 * The write side of a collection in cluster mode: the engine's Collection parses and
 * validates every write exactly as on a single node (same limits, same errors, nothing
 * half-applied), and this subclass sends the resulting operation to the shard streams
 * instead of a local shard. A writer holds no shard: it is built per request and never reads.
 */
import { Collection, type UpdateResult, type WriteOptions } from '../engine/collection.js';
import type { CollectionConfig, EngineLimits, Operation, Shard } from '../engine/index.js';

/** Publishes an operation to the shard streams; resolves with the acknowledged sequence per shard. */
export type ClusterPublish = (op: Operation, options: WriteOptions) => Promise<{ seqs: Map<number, number>; completed: boolean }>;

export class ClusterWriter extends Collection {
  /** Highest acknowledged sequence per shard over every write of this request (the read-your-writes token). */
  readonly acknowledged = new Map<number, number>();

  constructor(name: string, config: CollectionConfig, limits: EngineLimits, private readonly publish: ClusterPublish) {
    // No local shard: the write path below never touches it, and a writer serves no reads.
    super(name, config, undefined as unknown as Shard, limits);
  }

  protected override async write(op: Operation, options: WriteOptions): Promise<UpdateResult> {
    const { seqs, completed } = await this.publish(op, options);
    for (const [shard, seq] of seqs) this.acknowledged.set(shard, Math.max(this.acknowledged.get(shard) ?? 0, seq));
    return { operation_id: Math.max(0, ...seqs.values()), status: completed ? 'completed' : 'acknowledged' };
  }
}
