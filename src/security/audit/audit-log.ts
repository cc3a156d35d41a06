/**
 * AuditLog: the append-only, hash-chained audit trail writer.
 *
 * `record()` is synchronous: it numbers the event, links it to the previous hash and queues
 * its line, so concurrent callers (every request hook of the server) always produce one linear
 * chain. Queued lines are written and fsynced in batches — when `fsyncBatchCount` are waiting
 * or `fsyncIntervalMs` after the first one — and only then count as durable (`backlog()` is the
 * number still waiting). `flush()` and `close()` make everything recorded so far durable.
 *
 * Files rotate when the UTC day changes or the next batch would pass `rotateSizeBytes`; the
 * first entry of a new file carries the last hash of the previous one, so the chain runs across
 * files (audit-files.ts describes the directory). Every open starts a new file. Retention deletes
 * the oldest whole files older than `retentionDays`, records an `audit.retention` entry naming
 * where the chain now starts, and writes anchor.json pointing at that entry, so the verifier
 * accepts the shortened chain while a deleted *middle* file is still a gap.
 *
 * @example
 *   const audit = await AuditLog.open({ dir: './data/audit', hmacKey });
 *   audit.record({ principal: 'key:ops', action: 'collections.create', resource: 'collection/docs', result: 'success' });
 *   await audit.close(); // everything recorded is on disk
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, stat, truncate, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { RvError } from '../../errors.js';
import {
  ANCHOR_FILE, HEAD_FILE, acquireWriterLock, auditFileName, listAuditFiles, readJsonFile, syncDirectory, utcDay, writeJsonFile,
  type AuditAnchor, type AuditFile, type AuditHead,
} from './audit-files.js';
import { GENESIS_HASH, entryBody, entryShapeProblem, sealEntry, type AuditEntry, type AuditEvent } from './audit-entry.js';

export const AUDIT_DEFAULTS = {
  fsyncBatchCount: 100,
  fsyncIntervalMs: 1000,
  rotateSizeBytes: 64 * 1024 * 1024,
  retentionDays: 0,
  retentionCheckIntervalMs: 60 * 60 * 1000,
} as const;

/** The smallest HMAC key accepted (bytes). */
export const MIN_HMAC_KEY_BYTES = 32;

export interface AuditLogOptions {
  /** Directory of the log (created 0700 when absent). */
  dir: string;
  /** HMAC-SHA256 key (≥ 32 bytes): entries cannot be recomputed without it. Plain SHA-256 when absent. */
  hmacKey?: Uint8Array;
  /** fsync after this many queued events; default 100. */
  fsyncBatchCount?: number;
  /** …or this long after the first queued event; default 1000 ms. */
  fsyncIntervalMs?: number;
  /** Start a new file before one grows past this; default 64 MiB. */
  rotateSizeBytes?: number;
  /** Delete whole files older than this many days; 0 keeps everything (default). */
  retentionDays?: number;
  /** How often retention runs while open; default hourly (it also runs at open). */
  retentionCheckIntervalMs?: number;
  /** Clock (tests). */
  now?: () => Date;
  /** A background write or retention failed (the events stay queued and are retried). */
  onError?: (error: Error) => void;
}

interface Pending {
  line: string;
  day: string;
  seq: number;
  hash: string;
  prevHash: string;
}

interface OpenFile {
  number: number;
  day: string;
  handle: FileHandle;
  sizeBytes: number;
}

/** Bytes read from the end of the last file at open to find its last entry (entries are a few KiB at most). */
const TAIL_WINDOW_BYTES = 256 * 1024;

function positiveInteger(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min) throw new RvError('RV_INVALID_ARGUMENT', `audit ${name} must be an integer ≥ ${min}, got ${String(value)}`, { details: { field: name } });
  return v;
}

/** The append-only audit trail of one process (see the file header). */
export class AuditLog {
  readonly dir: string;
  private readonly key: { hmacKey?: Uint8Array };
  private readonly batchCount: number;
  private readonly intervalMs: number;
  private readonly rotateSizeBytes: number;
  private readonly retentionDays: number;
  private readonly now: () => Date;
  private readonly onError: (error: Error) => void;
  private readonly releaseLock: () => Promise<void>;

  private seq: number;
  private lastHash: string;
  private nextFileNumber: number;
  private pending: Pending[] = [];
  private inFlight = 0;
  private current: OpenFile | undefined;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  private constructor(options: AuditLogOptions, state: { seq: number; hash: string; nextFile: number }, releaseLock: () => Promise<void>) {
    this.dir = options.dir;
    this.key = options.hmacKey === undefined ? {} : { hmacKey: options.hmacKey };
    this.batchCount = positiveInteger('fsyncBatchCount', options.fsyncBatchCount, AUDIT_DEFAULTS.fsyncBatchCount, 1);
    this.intervalMs = positiveInteger('fsyncIntervalMs', options.fsyncIntervalMs, AUDIT_DEFAULTS.fsyncIntervalMs, 1);
    this.rotateSizeBytes = positiveInteger('rotateSizeBytes', options.rotateSizeBytes, AUDIT_DEFAULTS.rotateSizeBytes, 1024);
    this.retentionDays = positiveInteger('retentionDays', options.retentionDays, AUDIT_DEFAULTS.retentionDays, 0);
    this.now = options.now ?? (() => new Date());
    this.onError = options.onError ?? (() => undefined);
    this.releaseLock = releaseLock;
    this.seq = state.seq;
    this.lastHash = state.hash;
    this.nextFileNumber = state.nextFile;
  }

  /** Opens (or creates) the log in `options.dir`, continuing its chain in a new file. */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    if (options.hmacKey !== undefined && options.hmacKey.length < MIN_HMAC_KEY_BYTES) {
      throw new RvError('RV_INVALID_ARGUMENT', `the audit HMAC key must be at least ${MIN_HMAC_KEY_BYTES} bytes, got ${options.hmacKey.length}`, { details: { field: 'hmacKey' } });
    }
    await mkdir(options.dir, { recursive: true, mode: 0o700 });
    const release = await acquireWriterLock(options.dir);
    try {
      const { state, recovered } = await recoverState(options.dir);
      const log = new AuditLog(options, state, release);
      await writeJsonFile(options.dir, HEAD_FILE, { file: state.nextFile - 1, seq: state.seq, hash: state.hash } satisfies AuditHead);
      if (recovered !== undefined) {
        log.record({ action: 'audit.recovered', result: 'success', metadata: { file: recovered.file, truncated_bytes: recovered.truncatedBytes, head_unreadable: recovered.headUnreadable === true } });
      }
      if (log.retentionDays > 0) {
        const every = positiveInteger('retentionCheckIntervalMs', options.retentionCheckIntervalMs, AUDIT_DEFAULTS.retentionCheckIntervalMs, 1000);
        log.retentionTimer = setInterval(() => { log.applyRetention().catch((error: unknown) => log.onError(error as Error)); }, every);
        log.retentionTimer.unref();
        // A retention failure (say, an unreadable file) is reported, and does not stop the server.
        await log.applyRetention().catch((error: unknown) => log.onError(error as Error));
      }
      return log;
    } catch (error) {
      await release();
      throw error;
    }
  }

  /**
   * Queues one event and returns its entry (seq and hash assigned). Never blocks on I/O; the
   * entry becomes durable with the next batch (`flush()` waits for it). Throws RV_AUDIT_CLOSED
   * after `close()`.
   */
  record(event: AuditEvent): AuditEntry {
    if (this.closing !== undefined) throw new RvError('RV_AUDIT_CLOSED', `audit event ${JSON.stringify(event.action)} recorded after the audit log was closed`);
    const timestamp = this.now().toISOString();
    const body = entryBody(event, { seq: this.seq + 1, prevHash: this.lastHash, timestamp, eventId: randomUUID() });
    const { entry, line } = sealEntry(body, this.key);
    this.seq = entry.seq;
    this.pending.push({ line: `${line}\n`, day: timestamp.slice(0, 10).replaceAll('-', ''), seq: entry.seq, hash: entry.hash, prevHash: entry.prev_hash });
    this.lastHash = entry.hash;
    if (this.pending.length >= this.batchCount) {
      this.clearTimer();
      this.schedule();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => { this.timer = undefined; this.schedule(); }, this.intervalMs);
      this.timer.unref();
    }
    return entry;
  }

  /** Events recorded but not yet durable (the `ruvector_audit_backlog` gauge). */
  backlog(): number {
    return this.pending.length + this.inFlight;
  }

  /** Resolves once every event recorded before the call is written and fsynced. */
  flush(): Promise<void> {
    this.clearTimer();
    return this.enqueue(() => this.writePending());
  }

  /** Flushes everything, closes the file and releases the directory. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.clearTimer();
      if (this.retentionTimer !== undefined) clearInterval(this.retentionTimer);
      try {
        await this.enqueue(() => this.writePending());
      } finally {
        await this.enqueue(async () => {
          await this.current?.handle.close();
          this.current = undefined;
        }).catch(() => undefined);
        await this.releaseLock();
      }
    })();
    return this.closing;
  }

  /**
   * Deletes the oldest whole files whose day is more than `retentionDays` ago (never the
   * file being written, never a file in the middle), recording an `audit.retention` entry and
   * anchor.json first. Runs at open and on an interval; returns the files deleted.
   */
  applyRetention(): Promise<string[]> {
    let deleted: string[] = [];
    return this.enqueue(async () => {
      if (this.retentionDays <= 0) return;
      await this.writePending();
      const cutoff = utcDay(new Date(this.now().getTime() - this.retentionDays * 86_400_000));
      const files = await listAuditFiles(this.dir);
      let k = 0;
      while (k < files.length && files[k].day < cutoff && files[k].number !== this.current?.number) k += 1;
      if (k === 0) return;
      const victims = files.slice(0, k);
      const next: AuditFile | undefined = files[k];
      let first: { file: number; seq: number; prevHash: string };
      if (next !== undefined) {
        const entry = await firstEntry(join(this.dir, next.name));
        if (entry === undefined) throw new RvError('RV_AUDIT_TAMPERED', `audit retention: ${next.name} has no readable first entry; nothing deleted`, { details: { file: next.name } });
        first = { file: next.number, seq: entry.seq, prevHash: entry.prev_hash };
      } else {
        // No later file on disk: the chain resumes with the next entry written, in a new file.
        const queued = this.pending[0];
        first = queued === undefined
          ? { file: this.nextFileNumber, seq: this.seq + 1, prevHash: this.lastHash }
          : { file: this.nextFileNumber, seq: queued.seq, prevHash: queued.prevHash };
      }
      const retention = this.record({
        action: 'audit.retention', result: 'success',
        metadata: {
          retention_days: this.retentionDays, deleted_files: victims.length, deleted_through_file: victims[victims.length - 1].number,
          first_retained_file: first.file, first_retained_seq: first.seq, first_retained_prev_hash: first.prevHash,
        },
      });
      this.clearTimer();
      await this.writePending();
      await writeJsonFile(this.dir, ANCHOR_FILE, { first_file: first.file, first_seq: first.seq, prev_hash: first.prevHash, retention_seq: retention.seq } satisfies AuditAnchor);
      for (const victim of victims) await unlink(join(this.dir, victim.name)).catch((error: unknown) => { if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; });
      await syncDirectory(this.dir);
      deleted = victims.map((v) => v.name);
    }).then(() => deleted);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A background flush: its failure is reported, and the events stay queued for the next one. */
  private schedule(): void {
    this.enqueue(() => this.writePending()).catch((error: unknown) => this.onError(error as Error));
  }

  /** Runs `step` after every step queued before it (one writer at a time). */
  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.chain.then(step);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Writes and fsyncs every queued line, rotating files as needed, then updates head.json. */
  private async writePending(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.inFlight = batch.length;
    let createdFile = false;
    // What to undo if the batch fails half-way, so a retry does not write its lines twice.
    const before = this.current === undefined ? undefined : { number: this.current.number, day: this.current.day, sizeBytes: this.current.sizeBytes };
    const firstNewFile = this.nextFileNumber;
    try {
      let i = 0;
      while (i < batch.length) {
        const day = batch[i].day;
        let file = this.current;
        const firstBytes = Buffer.byteLength(batch[i].line);
        if (file === undefined || file.day !== day || (file.sizeBytes > 0 && file.sizeBytes + firstBytes > this.rotateSizeBytes)) {
          file = await this.rotate(day);
          createdFile = true;
        }
        // One segment: the lines of the same day that fit in this file.
        const parts: string[] = [];
        let bytes = 0;
        while (i < batch.length && batch[i].day === day) {
          const size = Buffer.byteLength(batch[i].line);
          if (parts.length > 0 && file.sizeBytes + bytes + size > this.rotateSizeBytes) break;
          parts.push(batch[i].line);
          bytes += size;
          i += 1;
        }
        await file.handle.write(parts.join(''));
        file.sizeBytes += bytes;
      }
      await this.current?.handle.datasync();
      if (createdFile) await syncDirectory(this.dir);
      const last = batch[batch.length - 1];
      await writeJsonFile(this.dir, HEAD_FILE, { file: this.current?.number ?? this.nextFileNumber - 1, seq: last.seq, hash: last.hash } satisfies AuditHead);
    } catch (error) {
      // Nothing is lost: the batch goes back to the front of the queue and is retried. A partly
      // written line is beyond head.json and is trimmed when the log is next opened.
      this.pending = [...batch, ...this.pending];
      await this.current?.handle.close().catch(() => undefined);
      this.current = undefined;
      await this.undoPartialBatch(before, firstNewFile);
      throw new RvError('RV_STORAGE_IO', `cannot write the audit log in ${this.dir}: ${(error as Error).message}`, { cause: error });
    } finally {
      this.inFlight = 0;
    }
  }

  /** Best effort after a failed batch: trims the file it appended to and removes files it created. */
  private async undoPartialBatch(before: { number: number; day: string; sizeBytes: number } | undefined, firstNewFile: number): Promise<void> {
    for (let number = firstNewFile; number < this.nextFileNumber; number++) {
      const files = await listAuditFiles(this.dir).catch(() => []);
      const created = files.find((f) => f.number === number);
      if (created !== undefined) await unlink(join(this.dir, created.name)).catch(() => undefined);
    }
    this.nextFileNumber = firstNewFile;
    if (before === undefined) return;
    const path = join(this.dir, auditFileName(before.number, before.day));
    try {
      await truncate(path, before.sizeBytes);
      this.current = { number: before.number, day: before.day, handle: await open(path, 'a'), sizeBytes: before.sizeBytes };
    } catch {
      // The next batch starts a new file; a torn tail left here is beyond head.json.
    }
  }

  /** Closes the current file (its data is already synced by the batch that wrote it) and opens the next. */
  private async rotate(day: string): Promise<OpenFile> {
    if (this.current !== undefined) {
      await this.current.handle.datasync();
      await this.current.handle.close();
      this.current = undefined;
    }
    const number = this.nextFileNumber;
    const handle = await open(join(this.dir, auditFileName(number, day)), 'wx', 0o600);
    this.nextFileNumber = number + 1;
    this.current = { number, day, handle, sizeBytes: 0 };
    return this.current;
  }
}

/** The first entry of a file (read line by line until one parses). */
async function firstEntry(path: string): Promise<AuditEntry | undefined> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(TAIL_WINDOW_BYTES), 0, TAIL_WINDOW_BYTES, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const end = text.indexOf('\n');
    if (end < 0) return undefined;
    const parsed = parseEntry(text.slice(0, end));
    return parsed;
  } finally {
    await handle.close();
  }
}

function parseEntry(line: string): AuditEntry | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return entryShapeProblem(value) === undefined ? (value as AuditEntry) : undefined;
  } catch {
    return undefined;
  }
}

interface RecoveredState {
  state: { seq: number; hash: string; nextFile: number };
  recovered?: { file: string; truncatedBytes: number; headUnreadable?: boolean };
}

/**
 * Where the chain continues: after the last entry on disk, or after head.json when head is
 * further (entries were removed: continuing from head keeps that gap visible to the verifier).
 * A torn last line beyond head.json (a crash mid-write of a batch never acknowledged as
 * durable) is trimmed.
 */
async function recoverState(dir: string): Promise<RecoveredState> {
  const files = await listAuditFiles(dir);
  // An unreadable head.json must not keep the server from starting: the chain resumes from the
  // last entry on disk and the fact is recorded (`audit.recovered`, head_unreadable).
  let headUnreadable = false;
  const head = await (readJsonFile(join(dir, HEAD_FILE)) as Promise<AuditHead | undefined>).catch((error: unknown) => {
    if ((error as RvError).code !== 'RV_AUDIT_TAMPERED') throw error;
    headUnreadable = true;
    return undefined;
  });
  const headSeq = head !== undefined && Number.isSafeInteger(head.seq) ? head.seq : 0;
  let last: AuditEntry | undefined;
  let recovered: RecoveredState['recovered'];
  for (let f = files.length - 1; f >= 0 && last === undefined; f--) {
    const path = join(dir, files[f].name);
    const size = (await stat(path)).size;
    if (size === 0) {
      // Created by a rotation that crashed before its first write: nothing of the chain is in it.
      if (f === files.length - 1 && files[f].number > (head?.file ?? 0)) {
        await unlink(path);
        files.pop();
      }
      continue;
    }
    const start = Math.max(0, size - TAIL_WINDOW_BYTES);
    const handle = await open(path, 'r');
    let text: string;
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(size - start), 0, size - start, start);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
    const lines = text.split('\n');
    const torn = lines.pop() ?? '';
    for (let i = lines.length - 1; i >= 0 && last === undefined; i--) {
      if (i === 0 && start > 0) break; // the window may have cut this line
      last = parseEntry(lines[i]);
    }
    if (torn.length > 0 && f === files.length - 1 && last !== undefined && last.seq >= headSeq) {
      await truncate(path, size - Buffer.byteLength(torn));
      recovered = { file: files[f].name, truncatedBytes: Buffer.byteLength(torn) };
    }
  }
  const lastNumber = Math.max(files.length === 0 ? 0 : files[files.length - 1].number, head?.file ?? 0);
  const anchor = await readJsonFile(join(dir, ANCHOR_FILE)) as AuditAnchor | undefined;
  let seq = last?.seq ?? 0;
  let hash = last?.hash ?? GENESIS_HASH;
  if (head !== undefined && headSeq > seq && typeof head.hash === 'string') {
    seq = headSeq;
    hash = head.hash;
  } else if (last === undefined && anchor !== undefined) {
    seq = anchor.first_seq - 1;
    hash = anchor.prev_hash;
  }
  if (headUnreadable) recovered = { ...(recovered ?? { file: HEAD_FILE, truncatedBytes: 0 }), headUnreadable: true };
  return { state: { seq, hash, nextFile: lastNumber + 1 }, ...(recovered === undefined ? {} : { recovered }) };
}
