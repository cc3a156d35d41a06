/**
 * The re-seal job of a master-key rotation (ARCHITECTURE.md, "Sealing"): walks every row
 * (points, op log) of every collection, then every index checkpoint and snapshot file, and
 * re-seals what is still under an older key id with the current one — in slices of a few
 * hundred rows, yielding to the event loop between them, so reads and writes go on.
 *
 * Correctness does not need a lock: writers always seal with the current key, so a row the
 * cursor has passed stays current, and one ahead of it is looked at when the cursor gets
 * there. When the pass ends with the same current key it started with, nothing under the data
 * directory references an older key: the job records that (encryption.json) and calls
 * `onUnreferenced` with the old ids, which the keyring then forgets. If the current key changed
 * meanwhile (a second rotation), the job runs another pass.
 *
 * @example
 *   const job = new ResealJob({ db, sealing: keyring, onUnreferenced: (ids) => keyring.retire(ids) });
 *   job.start();
 *   const status = job.status();   // { state: 'running', done: 1200, total: 20000, ... }
 *   await job.finished();
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isRvError } from '../errors.js';
import type { Database } from './database.js';
import { readEncryptionMarker, writeEncryptionMarker } from './encryption-marker.js';
import type { CollectionSealing } from './sealing.js';
import type { EngineLogger } from './shard.js';
import { resealSnapshotFile } from './snapshots.js';

export type ResealState = 'idle' | 'running' | 'done' | 'failed' | 'stopped';

export interface ResealStatus {
  state: ResealState;
  /** The key id everything is being re-sealed to. */
  keyId: string | undefined;
  /** Rows and files looked at so far. */
  done: number;
  /** Rows and files to look at (rows counted at the start: an estimate while writes go on). */
  total: number;
  rowsResealed: number;
  filesResealed: number;
  startedAt: string | undefined;
  finishedAt: string | undefined;
  error: string | undefined;
  /** Key ids found unreferenced by the last completed pass. */
  unreferencedKeyIds: string[];
}

export interface ResealJobOptions {
  db: Database;
  sealing: CollectionSealing;
  /** Rows per slice (default 500). */
  sliceRows?: number;
  /** Called with the key ids nothing references any more after a completed pass. */
  onUnreferenced?: (keyIds: string[]) => void;
  logger?: EngineLogger;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ResealJob {
  private readonly options: ResealJobOptions;
  private readonly sliceRows: number;
  private readonly log: EngineLogger;
  private current: ResealStatus = {
    state: 'idle', keyId: undefined, done: 0, total: 0, rowsResealed: 0, filesResealed: 0,
    startedAt: undefined, finishedAt: undefined, error: undefined, unreferencedKeyIds: [],
  };
  private running: Promise<ResealStatus> | undefined;
  private stopRequested = false;

  constructor(options: ResealJobOptions) {
    this.options = options;
    this.sliceRows = options.sliceRows ?? 500;
    this.log = options.logger ?? (() => undefined);
  }

  /** A copy of the progress. */
  status(): ResealStatus {
    // The row count is an estimate taken at the start; progress never shows more than 100%.
    return { ...this.current, total: Math.max(this.current.total, this.current.done), unreferencedKeyIds: [...this.current.unreferencedKeyIds] };
  }

  /** Starts a pass in the background (a running one keeps going: it re-checks the key at its end). */
  start(): ResealStatus {
    if (this.running === undefined) {
      this.stopRequested = false;
      this.running = this.run().finally(() => { this.running = undefined; });
    }
    return this.status();
  }

  /** Resolves when the running pass (if any) ends. */
  async finished(): Promise<ResealStatus> {
    await this.running;
    return this.status();
  }

  /** Stops after the current slice (shutdown); a later `start()` begins a new pass. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    await this.running;
  }

  private async run(): Promise<ResealStatus> {
    const { sealing } = this.options;
    this.current = {
      ...this.current, state: 'running', done: 0, total: 0, rowsResealed: 0, filesResealed: 0,
      startedAt: new Date().toISOString(), finishedAt: undefined, error: undefined, keyId: sealing.currentKeyId,
    };
    try {
      let keyId: string;
      do {
        keyId = sealing.currentKeyId;
        this.current.keyId = keyId;
        await this.pass();
        if (this.stopRequested) {
          this.finish('stopped');
          return this.status();
        }
      } while (keyId !== sealing.currentKeyId);
      const marker = await readEncryptionMarker(this.options.db.path);
      const unreferenced = sealing.keyIds().filter((id) => id !== keyId);
      const recorded = (marker?.keyIds ?? []).filter((id) => id !== keyId && !unreferenced.includes(id));
      await writeEncryptionMarker(this.options.db.path, { format: 1, encrypted: true, keyIds: [keyId] });
      this.current.unreferencedKeyIds = [...unreferenced, ...recorded];
      this.options.onUnreferenced?.(this.current.unreferencedKeyIds);
      this.finish('done');
      this.log('info', 're-seal finished: nothing references older master keys', { keyId, rowsResealed: this.current.rowsResealed, filesResealed: this.current.filesResealed, unreferencedKeyIds: this.current.unreferencedKeyIds });
    } catch (error) {
      this.current.error = (error as Error).message;
      this.finish('failed');
      this.log('error', 're-seal failed; older master keys are still needed', { error: this.current.error });
    }
    return this.status();
  }

  private finish(state: ResealState): void {
    this.current.state = state;
    this.current.finishedAt = new Date().toISOString();
    if (state === 'done') this.current.total = this.current.done; // everything was looked at
  }

  /** One pass over every row and file. */
  private async pass(): Promise<void> {
    const { db, sealing } = this.options;
    const names = db.listCollections();
    const snapshotFiles = await this.snapshotFiles();
    this.current.total = snapshotFiles.length;
    for (const name of names) {
      const shard = db.collection(name).shard;
      this.current.total += shard.info().points + Math.max(0, shard.lastAppliedSeq - shard.firstOpSeq + 1) + 1;
    }
    for (const name of names) {
      if (!db.hasCollection(name)) continue; // deleted meanwhile
      const shard = db.collection(name).shard;
      const codec = sealing.codecFor(name);
      try {
        for (const table of ['points', 'ops'] as const) {
          let cursor = -1;
          for (;;) {
            if (this.stopRequested) return;
            const step = shard.resealRows(table, cursor, this.sliceRows,
              (kind, rowId, stored) => (sealing.isCurrent(stored) ? undefined : codec.seal(kind, rowId, codec.open(kind, rowId, stored))));
            this.current.done += step.scanned;
            this.current.rowsResealed += step.rewritten;
            if (step.done) break;
            cursor = step.lastKey;
            await yieldToEventLoop();
          }
        }
        await shard.checkpoint(); // the index file, sealed under the current key
        this.current.filesResealed++;
        this.current.done++;
      } catch (error) {
        if (isRvError(error) && error.code === 'RV_DATABASE_CLOSED' && !db.hasCollection(name)) continue;
        throw error;
      }
      await yieldToEventLoop();
    }
    for (const file of snapshotFiles) {
      if (this.stopRequested) return;
      if (await resealSnapshotFile(file, sealing)) this.current.filesResealed++;
      this.current.done++;
    }
  }

  private async snapshotFiles(): Promise<string[]> {
    const root = join(this.options.db.path, 'snapshots');
    const files: string[] = [];
    let dirs: string[];
    try {
      dirs = await readdir(root);
    } catch {
      return files;
    }
    for (const dir of dirs.sort()) {
      let names: string[];
      try {
        names = await readdir(join(root, dir));
      } catch {
        continue;
      }
      for (const name of names.sort()) if (name.endsWith('.snapshot') && !name.startsWith('.')) files.push(join(root, dir, name));
    }
    return files;
  }
}
