/**
 * The fsync discipline for replacing a file atomically: write a temp file in the same
 * directory, fsync it, rename it over the target, fsync the directory.
 *
 * Why each step: rename(2) is atomic only within one file system (hence the same directory);
 * without the file fsync a crash after the rename can leave the new name pointing at
 * unwritten blocks; without the directory fsync the rename itself may not survive a crash.
 */
import { open, rename } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** Prefix of every temp file name, so operators (and tests) can recognise leftovers. */
export const TEMP_FILE_MARKER = '.tmp-';

/**
 * A fresh temp path next to `path`: `<dir>/.<name>.tmp-<pid>-<random>`. Hidden and unique,
 * so concurrent writers never share one, and a leftover from a crash never has the target's
 * name.
 */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}${TEMP_FILE_MARKER}${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** fsyncs a file that is already written and closed (e.g. one SQLite's backup API wrote). */
export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * fsyncs a directory so that renames and creations inside it are durable. Windows cannot
 * open a directory for syncing and makes renames durable itself, so this is a no-op there.
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Renames a fully written and fsynced `tempPath` over `path`, then makes the rename durable. */
export async function replaceFileDurably(tempPath: string, path: string): Promise<void> {
  await rename(tempPath, path);
  await fsyncDirectory(dirname(path));
}
