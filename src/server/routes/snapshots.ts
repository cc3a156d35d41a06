/**
 * Collection snapshot routes: create, list, download (streamed), delete, recover from a file
 * on this server, recover from an upload. Recovery reads only files inside the data
 * directory's snapshots folder: a `file://` location anywhere else would let an API key read
 * arbitrary files on the host.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { isRvError, RvError } from '../../errors.js';
import type { Database } from '../../engine/index.js';
import { ApiProblem, SERVER_CODES } from '../api-problem.js';
import { rejectUnsupported } from '../compat.js';
import { describeBytes } from '../error-reply.js';
import { ok } from '../envelope.js';
import { authorizeAlsoOn } from '../auth.js';
import type { CollectionTarget } from '../../security/rbac/authorizer.js';
import { snapshotSchemas as schemas } from '../schemas/snapshots.js';

interface NameParams { collection_name: string }
interface SnapshotParams extends NameParams { snapshot_name: string }

function invalid(message: string, field: string): RvError {
  return new RvError('RV_SNAPSHOT_INVALID', message, { details: { field } });
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function checkChecksum(actual: string, expected: unknown, field: string): void {
  if (typeof expected === 'string' && expected.toLowerCase() !== actual) {
    throw invalid(`${field}: the snapshot's SHA-256 is ${actual}, not ${expected.toLowerCase()}`, field);
  }
}

/**
 * Resolves a `file://` location to a real path inside `root`; anything else is refused.
 * `checkSource` is called with the collection the file comes from (sourceOfSnapshot) before the
 * file is looked up, so a caller without access cannot even learn whether it exists, and again
 * for the real path (a symlink cannot lead elsewhere).
 */
async function localSnapshotPath(location: string, root: string, checkSource: (source: CollectionTarget) => void): Promise<string> {
  if (/^https?:\/\//i.test(location)) throw invalid('location: remote (http/https) snapshot locations are not supported; upload the file instead', 'location');
  if (!location.startsWith('file://')) throw invalid('location: must be a file:// URL', 'location');
  let path: string;
  try {
    const lexical = resolve(fileURLToPath(location));
    const lexicalRoot = resolve(root);
    if (lexical.startsWith(lexicalRoot + sep)) checkSource(sourceOfSnapshot(lexical, lexicalRoot));
    path = await realpath(lexical);
  } catch (error) {
    if (isRvError(error)) throw error;
    throw new RvError('RV_SNAPSHOT_NOT_FOUND', `Not found: snapshot file ${location} does not exist`, { details: { field: 'location' } });
  }
  await mkdir(root, { recursive: true });
  const realRoot = await realpath(root);
  if (!path.startsWith(realRoot + sep)) throw invalid('location: snapshots are recovered only from files inside the data directory\'s snapshots folder', 'location');
  checkSource(sourceOfSnapshot(path, realRoot));
  return path;
}

/**
 * The collection a snapshot file under the snapshots folder was taken from (its folder:
 * `<snapshots>/<collection>/<name>.snapshot`), or 'all' for a file elsewhere in the folder
 * (whose origin the path does not tell). Recovering it copies that collection's data, so the
 * caller needs read access to it as well as admin on the target.
 */
function sourceOfSnapshot(path: string, realRoot: string): CollectionTarget {
  const parts = relative(realRoot, path).split(sep);
  if (parts[0] === '.uploads') throw invalid('location: staged uploads cannot be recovered by location; upload the snapshot instead', 'location');
  return parts.length === 2 ? { kind: 'named', name: parts[0] } : { kind: 'all' };
}

/** Where uploads are staged: on the data volume (snapshots are large; /tmp is often small). */
function uploadDir(db: Database): string {
  // Collection names never start with ".", so this cannot clash with a collection's snapshots.
  return join(db.path, 'snapshots', '.uploads');
}

/** Registers the snapshot routes on `app`; uploads over `uploadLimitBytes` get a 413. */
export function registerSnapshotRoutes(app: FastifyInstance, db: Database, options: { uploadLimitBytes: number }): void {
  // A snapshot is the whole collection, and recovering one replaces it: admin, even to list.
  const admin = { permission: 'collection:admin' as const };
  // Creating or recovering a snapshot copies the whole collection: no admin time limit (a 504
  // while the work goes on would only mislead the client).
  const longAdmin = { ...admin, timeout: false as const };
  const snapshotsRoot = join(db.path, 'snapshots');

  app.post<{ Params: NameParams }>('/collections/:collection_name/snapshots', { schema: schemas.create, config: longAdmin }, async (request, reply) =>
    ok(reply, await db.createSnapshot(request.params.collection_name)));

  app.get<{ Params: NameParams }>('/collections/:collection_name/snapshots', { schema: schemas.list, config: admin }, async (request, reply) =>
    ok(reply, await db.listSnapshots(request.params.collection_name)));

  app.get<{ Params: SnapshotParams }>('/collections/:collection_name/snapshots/:snapshot_name', { schema: schemas.download, config: admin }, async (request, reply) => {
    const path = await db.snapshotFilePath(request.params.collection_name, request.params.snapshot_name);
    const { size } = await stat(path);
    const fileName = request.params.snapshot_name.replace(/[^A-Za-z0-9._-]/g, '_');
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', String(size))
      .header('content-disposition', `attachment; filename="${fileName}"`)
      .send(createReadStream(path));
  });

  app.delete<{ Params: SnapshotParams }>('/collections/:collection_name/snapshots/:snapshot_name', { schema: schemas.delete, config: admin }, async (request, reply) => {
    const { collection_name: collection, snapshot_name: snapshot } = request.params;
    if (!(await db.deleteSnapshot(collection, snapshot))) {
      throw new RvError('RV_SNAPSHOT_NOT_FOUND', `Not found: Snapshot ${snapshot} not found`, { details: { snapshot } });
    }
    return ok(reply, true);
  });

  app.put<{ Params: NameParams; Body: { location: string; checksum?: string | null; api_key?: unknown } }>('/collections/:collection_name/snapshots/recover', { schema: schemas.recover, config: longAdmin }, async (request, reply) => {
    rejectUnsupported(request.body, ['api_key']);
    // The file's own collection needs read access too: recovering copies its data.
    const path = await localSnapshotPath(request.body.location, snapshotsRoot, (source) => authorizeAlsoOn(request, 'collection:read', source));
    if (typeof request.body.checksum === 'string') checkChecksum(await sha256Of(path), request.body.checksum, 'checksum');
    await recoverFromClientFile(db, request.params.collection_name, path);
    return ok(reply, true);
  });

  app.post<{ Params: NameParams; Querystring: { checksum?: string } }>('/collections/:collection_name/snapshots/upload', { schema: schemas.upload, config: { ...admin, timeout: false as const } }, async (request, reply) => {
    if (!request.isMultipart()) throw invalid('send the snapshot as multipart/form-data in the field "snapshot"', 'snapshot');
    const part = await request.file();
    if (part === undefined) throw invalid('the multipart body has no file; send it in the field "snapshot"', 'snapshot');
    await mkdir(uploadDir(db), { recursive: true });
    const staging = await mkdtemp(join(uploadDir(db), 'upload-'));
    try {
      const file = join(staging, 'snapshot');
      const hash = createHash('sha256');
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          callback(null, chunk);
        },
      });
      const tooLarge = (): ApiProblem => new ApiProblem('invalid_argument', SERVER_CODES.bodyTooLarge, `Payload error: the snapshot upload is larger than the limit of ${describeBytes(options.uploadLimitBytes)}`, { transport: 'body_too_large' });
      try {
        await pipeline(part.file, hashing, createWriteStream(file));
      } catch (error) {
        throw (error as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE' ? tooLarge() : error;
      }
      if (part.file.truncated) throw tooLarge();
      checkChecksum(hash.digest('hex'), request.query.checksum, 'checksum');
      await recoverFromClientFile(db, request.params.collection_name, file);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return ok(reply, true);
  });
}

/**
 * Restores a snapshot file the client supplied (upload or location). A file that fails its
 * checksum or format is bad client input here (400), not a corruption of our own storage (500).
 */
async function recoverFromClientFile(db: Database, collection: string, file: string): Promise<void> {
  try {
    await db.recoverSnapshot(collection, file);
  } catch (error) {
    if (isRvError(error) && error.code === 'RV_SNAPSHOT_CORRUPTED') {
      throw new RvError('RV_SNAPSHOT_INVALID', `the snapshot file is not valid: ${error.message}`, { cause: error });
    }
    throw error;
  }
}
