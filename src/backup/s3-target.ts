/**
 * A backup target in S3-compatible object storage (`s3://bucket/prefix`) through
 * @aws-sdk/client-s3. A PUT is atomic in S3 (an object is visible whole or not at all), which
 * is all the manifest-last rule needs. Endpoint, region, path style and credentials come from
 * the `[backup]` config (or the secrets provider through the composition root); without
 * credentials the SDK's default chain (env, profile, instance role) applies.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { checkKey, type BackupTarget } from './target.js';

export interface S3TargetOptions {
  bucket: string;
  /** Key prefix inside the bucket ('' or ending without '/'). */
  prefix: string;
  /** e.g. `http://127.0.0.1:9000` for MinIO; unset: AWS. */
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

export class S3BackupTarget implements BackupTarget {
  readonly description: string;
  private readonly client: S3Client;

  constructor(private readonly options: S3TargetOptions) {
    this.description = `s3://${options.bucket}${options.prefix === '' ? '' : `/${options.prefix}`}`;
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      // Retries are the target policy's job (one place, with the circuit breaker).
      maxAttempts: 1,
      ...(options.accessKeyId !== undefined && options.secretAccessKey !== undefined
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
    });
  }

  private keyOf(key: string): string {
    return this.options.prefix === '' ? checkKey(key) : `${this.options.prefix}/${checkKey(key)}`;
  }

  async put(key: string, body: Uint8Array, signal?: AbortSignal): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key), Body: body, ContentLength: body.byteLength }), { abortSignal: signal });
  }

  async get(key: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }), { abortSignal: signal });
      return result.Body === undefined ? new Uint8Array(0) : await result.Body.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list(prefix: string, signal?: AbortSignal): Promise<string[]> {
    const base = this.options.prefix === '' ? '' : `${this.options.prefix}/`;
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: `${base}${prefix}`, ContinuationToken: token }), { abortSignal: signal });
      for (const object of page.Contents ?? []) if (object.Key !== undefined) out.push(object.Key.slice(base.length));
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out;
  }

  async delete(keys: readonly string[], signal?: AbortSignal): Promise<void> {
    // One DELETE per key: DeleteObjects needs Content-MD5 handling some S3 implementations lack.
    for (const key of keys) await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.keyOf(key) }), { abortSignal: signal });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
