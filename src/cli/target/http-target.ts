/** A Target over a running server's Qdrant REST API (fetch; `api-key` header when given). */
import type { PointId } from '../../core/types.js';
import { errorFromNetwork, errorFromResponse } from './remote-error.js';
import type { PointInput, ScrollPage, Target } from './target.js';

/** One request may take this long (a 500-point upsert with wait=true is well under it). */
const REQUEST_TIMEOUT_MS = 120_000;

export interface HttpTargetOptions {
  /** Base URL, e.g. http://127.0.0.1:6333 */
  url: string;
  apiKey?: string;
}

/**
 * @example
 *   const target = new HttpTarget({ url: 'http://127.0.0.1:6333', apiKey });
 *   console.log(await target.listCollections());
 */
export class HttpTarget implements Target {
  readonly description: string;
  private readonly base: string;

  constructor(private readonly options: HttpTargetOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.description = this.base;
  }

  /** Sends one request and returns the envelope's `result`; errors become RvErrors. */
  async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = `${this.base}${path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey !== undefined) headers['api-key'] = this.options.apiKey;
    let response: Response;
    try {
      response = await fetch(url, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (cause) {
      throw errorFromNetwork(cause, this.base);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page): errorFromResponse quotes the text.
    }
    if (!response.ok) throw errorFromResponse(response.status, parsed, url);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).result : undefined;
  }

  private collectionPath(name: string): string {
    return `/collections/${encodeURIComponent(name)}`;
  }

  async listCollections(): Promise<string[]> {
    const result = (await this.call('GET', '/collections')) as { collections?: { name: string }[] } | undefined;
    return (result?.collections ?? []).map((c) => c.name).sort();
  }

  async createCollection(name: string, body: Record<string, unknown>): Promise<void> {
    await this.call('PUT', this.collectionPath(name), body);
  }

  async collectionInfo(name: string): Promise<Record<string, unknown>> {
    return (await this.call('GET', this.collectionPath(name))) as Record<string, unknown>;
  }

  async deleteCollection(name: string): Promise<void> {
    // Qdrant answers `result: false` (not 404) for a collection that does not exist.
    const deleted = await this.call('DELETE', this.collectionPath(name));
    if (deleted === false) throw errorFromResponse(404, { status: { error: `Not found: Collection \`${name}\` doesn't exist!` }, code: 'RV_COLLECTION_NOT_FOUND' }, this.collectionPath(name));
  }

  async upsert(collection: string, points: PointInput[]): Promise<void> {
    await this.call('PUT', `${this.collectionPath(collection)}/points?wait=true`, { points });
  }

  async scroll(collection: string, request: { offset?: PointId; limit: number }): Promise<ScrollPage> {
    const body = { limit: request.limit, offset: request.offset, with_payload: true, with_vector: true };
    return (await this.call('POST', `${this.collectionPath(collection)}/points/scroll`, body)) as ScrollPage;
  }

  async count(collection: string): Promise<number> {
    const result = (await this.call('POST', `${this.collectionPath(collection)}/points/count`, { exact: true })) as { count: number };
    return result.count;
  }

  async search(collection: string, body: Record<string, unknown>): Promise<unknown[]> {
    return (await this.call('POST', `${this.collectionPath(collection)}/points/search`, body)) as unknown[];
  }

  async close(): Promise<void> {
    // Nothing held open: fetch's keep-alive sockets are unref'd by undici.
  }
}
