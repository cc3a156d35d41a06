/**
 * A Target over a data directory opened in this process with the Database library.
 * Do not point it at the directory of a running server: the server would not see the changes.
 */
import { Database, type Collection } from '../../engine/index.js';
import { RvError } from '../../errors.js';
import type { PointId } from '../../core/types.js';
import type { PointInput, ScrollPage, Target } from './target.js';

/** Qdrant's CollectionInfo for a local collection (the shape GET /collections/{name} returns). */
function collectionInfo(collection: Collection): Record<string, unknown> {
  const info = collection.info();
  const { vectors, shard_number, replication_factor, write_consistency_factor, on_disk_payload, hnsw_config, optimizers_config, wal_config, quantization_config } = collection.config;
  return {
    status: info.pendingLinks > 0 ? 'yellow' : 'green',
    optimizer_status: 'ok',
    points_count: info.points,
    indexed_vectors_count: info.indexedVectors,
    segments_count: 1,
    config: {
      params: { vectors, shard_number, replication_factor, write_consistency_factor, on_disk_payload },
      hnsw_config, optimizer_config: optimizers_config, wal_config, quantization_config,
    },
    payload_schema: info.payloadSchema,
  };
}

/**
 * @example
 *   const target = await LocalTarget.open('./data');
 *   try { console.log(await target.listCollections()); } finally { await target.close(); }
 */
export class LocalTarget implements Target {
  readonly description: string;

  private constructor(private readonly db: Database, path: string) {
    this.description = `data dir ${path}`;
  }

  /** Opens (and creates, if missing) the data directory. */
  static async open(path: string): Promise<LocalTarget> {
    return new LocalTarget(await Database.open({ path }), path);
  }

  async listCollections(): Promise<string[]> {
    return this.db.listCollections();
  }

  async createCollection(name: string, body: Record<string, unknown>): Promise<void> {
    await this.db.createCollection(name, body);
  }

  async collectionInfo(name: string): Promise<Record<string, unknown>> {
    return collectionInfo(this.db.collection(name));
  }

  async deleteCollection(name: string): Promise<void> {
    if (!(await this.db.deleteCollection(name))) {
      throw new RvError('RV_COLLECTION_NOT_FOUND', `Not found: Collection \`${name}\` doesn't exist!`, { details: { collection: name } });
    }
  }

  async upsert(collection: string, points: PointInput[]): Promise<void> {
    await this.db.collection(collection).upsert({ points }, { wait: true });
  }

  async scroll(collection: string, request: { offset?: PointId; limit: number }): Promise<ScrollPage> {
    const page = this.db.collection(collection).scroll({ limit: request.limit, offset: request.offset, with_payload: true, with_vector: true });
    return page as ScrollPage;
  }

  async count(collection: string): Promise<number> {
    return this.db.collection(collection).count({}).count;
  }

  async search(collection: string, body: Record<string, unknown>): Promise<unknown[]> {
    return this.db.collection(collection).search(body);
  }

  /** Closes the database (writes the index checkpoints). */
  async close(): Promise<void> {
    await this.db.close();
  }
}
