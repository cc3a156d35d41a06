/**
 * A backup target in a local directory (`file:///abs/dir`): one file per key, written to a
 * temp file, fsynced and renamed into place (storage/atomic-file.ts), so a crash never leaves
 * a half-written object under its name.
 */
import { mkdir, readFile, readdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { writeFileAtomic } from '../storage/index.js';
import { checkKey, type BackupTarget } from './target.js';

export class FileBackupTarget implements BackupTarget {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `file://${root}`;
  }

  private pathOf(key: string): string {
    return join(this.root, ...checkKey(key).split('/'));
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, body);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.pathOf(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue; // temp files of writes in progress
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else out.push(relative(this.root, path).split(sep).join('/'));
      }
    };
    await walk(this.root);
    return out.filter((key) => key.startsWith(prefix));
  }

  async delete(keys: readonly string[]): Promise<void> {
    const dirs = new Set<string>();
    for (const key of keys) {
      const path = this.pathOf(key);
      await rm(path, { force: true });
      dirs.add(dirname(path));
    }
    // Empty backup directories go too (deepest first); a non-empty one stays.
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
      for (let d = dir; d.startsWith(this.root + sep); d = dirname(d)) {
        try {
          await rmdir(d);
        } catch {
          break;
        }
      }
    }
  }

  async close(): Promise<void> {
    // Nothing held open.
  }
}
