/**
 * TEST-ONLY fault injection for the storage layer: makes a chosen ShardStore action fail as
 * the operating system would (an errno error such as ENOSPC), so tests can prove that a full
 * disk fails a write cleanly, applies nothing of it, and leaves a store that reopens intact.
 *
 * How it works: ShardStore's one guard around every database call asks `throwIfFaultInjected`
 * first; when a fault is armed for that action (and path), it throws the errno error inside the
 * guard, which translates it exactly like a real one (RV_STORAGE_IO, "the disk is full"). When
 * it fires inside a transaction (e.g. `put point` while a write batch commits), SQLite rolls
 * the whole transaction back, as it does on a real SQLITE_FULL.
 *
 * Never armed outside tests: nothing in src/ calls `injectStorageFault`, and unarmed the cost is
 * one comparison per store call. It is deliberately not exported from storage/index.ts; tests
 * import this file directly.
 *
 * @example
 *   const fault = injectStorageFault({ action: 'put point', errno: 'ENOSPC' });
 *   t.after(() => fault.dispose());
 *   await assert.rejects(collection.upsert(body), { code: 'RV_STORAGE_IO' });
 */

export interface StorageFault {
  /** The ShardStore action to fail, as its guard names it: `put point`, `append ops`, `commit transaction`, … */
  action: string;
  /** Only stores whose path contains this (default: every store). */
  pathIncludes?: string;
  /** The errno to raise; default ENOSPC. */
  errno?: 'ENOSPC' | 'EDQUOT' | 'EIO';
  /** Let this many matching calls pass before failing; default 0. */
  afterCalls?: number;
  /** Fail this many matching calls, then pass again; default: until disposed. */
  times?: number;
}

export interface ArmedFault {
  /** Matching calls that were failed so far. */
  readonly hits: number;
  dispose(): void;
}

interface Armed {
  fault: StorageFault;
  seen: number;
  hits: number;
}

const MESSAGES: Record<NonNullable<StorageFault['errno']>, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'i/o error',
};

let armed: Armed | undefined;

/** Arms one fault (replacing any armed one). */
export function injectStorageFault(fault: StorageFault): ArmedFault {
  const state: Armed = { fault, seen: 0, hits: 0 };
  armed = state;
  return {
    get hits() { return state.hits; },
    dispose: () => { if (armed === state) armed = undefined; },
  };
}

/** Called by ShardStore before every guarded action. */
export function throwIfFaultInjected(action: string, path: string): void {
  const state = armed;
  if (state === undefined || state.fault.action !== action) return;
  if (state.fault.pathIncludes !== undefined && !path.includes(state.fault.pathIncludes)) return;
  state.seen++;
  if (state.seen <= (state.fault.afterCalls ?? 0)) return;
  if (state.fault.times !== undefined && state.hits >= state.fault.times) return;
  state.hits++;
  const errno = state.fault.errno ?? 'ENOSPC';
  throw Object.assign(new Error(`${errno}: ${MESSAGES[errno]}, write (injected by a test)`), { code: errno, syscall: 'write', path });
}
