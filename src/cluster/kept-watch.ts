/**
 * A JetStream KV watch kept alive for a node's life. The nats client's watch is an ordered
 * consumer; when NATS is away for longer than it can recover ("unable to recreate ordered
 * consumer") its iterator ends with an error and nothing is watched any more. Here the watch is
 * opened again after a pause (0.5 s doubling to 10 s), and its replay delivers every key's latest
 * entry again (delete markers included), so the callers' handlers must be idempotent.
 */
import type { KvEntry } from 'nats';
import type { EngineLogger } from '../engine/index.js';

export interface KeptWatchOptions {
  /** Names the watch in log lines: `metadata`, `membership`, `keys and roles`. */
  label: string;
  /** The watch already opened (its first opening's errors belong to the caller). */
  watcher: AsyncIterable<KvEntry>;
  /** Opens the watch again. */
  reopen: () => Promise<AsyncIterable<KvEntry>>;
  onEntry: (entry: KvEntry) => void;
  /** True once the owner closes: the loop then ends. */
  isClosed: () => boolean;
  log: EngineLogger;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Consumes the watch until the owner closes, re-opening it whenever it dies. Never rejects. */
export async function keepWatching(options: KeptWatchOptions): Promise<void> {
  const { label, isClosed, log } = options;
  let current: AsyncIterable<KvEntry> | Iterable<KvEntry> = options.watcher;
  for (let attempt = 0; !isClosed(); attempt++) {
    try {
      for await (const entry of current) {
        attempt = 0;
        options.onEntry(entry);
      }
    } catch (error) {
      if (isClosed()) return;
      log('warn', `the ${label} watch stopped; opening it again`, { error: (error as Error).message });
    }
    if (isClosed()) return;
    await sleep(Math.min(500 * 2 ** attempt, 10_000));
    if (isClosed()) return;
    try {
      current = await options.reopen();
    } catch (error) {
      log('warn', `opening the ${label} watch failed; retrying`, { error: (error as Error).message });
      current = []; // nothing to read: retry after the next pause
    }
  }
}
