/** Small files replaced atomically and durably (write temp, fsync, rename, fsync dir): catalogs, manifests. */
import { open, readFile } from 'node:fs/promises';
import { replaceFileDurably, tempPathFor } from './durable-fs.js';

export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const temp = tempPathFor(path);
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await replaceFileDurably(temp, path);
}

/** The file's text, or undefined when it does not exist. */
export async function readFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
