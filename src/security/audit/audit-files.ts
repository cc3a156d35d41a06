/**
 * The audit directory's layout:
 *
 *   audit-00000001-20261203.jsonl   entries, one canonical JSON line each; the number counts
 *   audit-00000002-20261203.jsonl   files from 1 without gaps, the date (UTC) is the day of
 *   …                               every entry inside (files rotate daily and by size)
 *   head.json      the last durable entry {file, seq, hash} — written after each fsync, so a
 *                  removed tail of entries or files is detected
 *   anchor.json    where the chain starts once retention deleted the oldest files
 *                  {first_file, first_seq, prev_hash, retention_seq}; backed by the
 *                  `audit.retention` entry with seq `retention_seq` inside the chain
 *   audit.lock     the pid of the one process writing the log
 *
 * head.json and anchor.json are replaced atomically (temp file, fsync, rename).
 */
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { RvError } from '../../errors.js';

const FILE_RE = /^audit-(\d{8})-(\d{8})\.jsonl$/;

export const HEAD_FILE = 'head.json';
export const ANCHOR_FILE = 'anchor.json';
export const LOCK_FILE = 'audit.lock';

/** One log file of the chain. */
export interface AuditFile {
  /** Position in the chain, from 1. */
  number: number;
  /** UTC day of its entries, `YYYYMMDD`. */
  day: string;
  name: string;
}

/** head.json: the last entry made durable. */
export interface AuditHead {
  file: number;
  seq: number;
  hash: string;
}

/** anchor.json: the start of the retained chain after retention. */
export interface AuditAnchor {
  first_file: number;
  first_seq: number;
  prev_hash: string;
  /** Seq of the `audit.retention` entry that recorded this cut. */
  retention_seq: number;
}

/** `20261203` for a date (UTC). */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10).replaceAll('-', '');
}

export function auditFileName(number: number, day: string): string {
  return `audit-${String(number).padStart(8, '0')}-${day}.jsonl`;
}

/** The log files in `dir`, in chain order; other files are ignored. */
export async function listAuditFiles(dir: string): Promise<AuditFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new RvError('RV_STORAGE_IO', `cannot list the audit directory ${dir}: ${(error as Error).message}`, { cause: error });
  }
  const files: AuditFile[] = [];
  for (const name of names) {
    const match = FILE_RE.exec(name);
    if (match !== null) files.push({ number: Number(match[1]), day: match[2], name });
  }
  return files.sort((a, b) => a.number - b.number || a.name.localeCompare(b.name));
}

/** Parses a small JSON state file; undefined when absent. */
export async function readJsonFile(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof SyntaxError) throw new RvError('RV_AUDIT_TAMPERED', `${path} is not valid JSON`, { cause: error, details: { file: path } });
    throw new RvError('RV_STORAGE_IO', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Replaces a small JSON state file atomically and durably. */
export async function writeJsonFile(dir: string, name: string, value: unknown): Promise<void> {
  const target = join(dir, name);
  const temp = `${target}.${process.pid}.tmp`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(value)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
  await syncDirectory(dir);
}

/** fsyncs a directory so a created, renamed or deleted name survives power loss. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some filesystems refuse fsync on a directory; the file data itself is already synced.
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL' && (error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  } finally {
    await handle.close();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the directory's writer lock (one writing process per log: two would fork the chain).
 * A lock left by a dead process is taken over. Returns the release function.
 */
export async function acquireWriterLock(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => { await unlink(path).catch(() => undefined); };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new RvError('RV_STORAGE_IO', `cannot create ${path}: ${(error as Error).message}`, { cause: error });
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isSafeInteger(pid) && pid > 0 && isAlive(pid)) {
        throw new RvError('RV_AUDIT_LOCKED', `the audit log ${dir} is already written by process ${pid}${pid === process.pid ? ' (this process)' : ''}`, { details: { dir, pid } });
      }
      await unlink(path).catch(() => undefined);
    }
  }
  throw new RvError('RV_AUDIT_LOCKED', `cannot take the audit log lock ${path}`, { details: { dir } });
}
