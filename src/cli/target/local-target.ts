/**
 * A Target over a data directory opened in this process with the Database library.
 * Do not point it at the directory of a running server: the server would not see the changes.
 */
import { Database } from '../../engine/index.js';
import { RvError } from '../../errors.js';
import type { PointId } from '../../core/types.js';
import type { PointInput, ScrollPage, Target } from './target.js';
// The same CollectionInfo shape GET /collections/{name} returns, from the one place that builds it.
import { collectionInfo } from '../../server/index.js';

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
