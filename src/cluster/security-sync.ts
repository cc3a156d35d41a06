/**
 * API keys and API-managed roles replicated through the cluster's metadata bucket, so a key
 * created, rotated or revoked on any node is accepted (or refused) by every node, and a role
 * made on one node grants the same on all.
 *
 *   auth.keys.<id>      a stored key record: name, roles, scope, dates and its salted scrypt
 *                       hash (never the secret); records merge (keys only ever become more
 *                       restricted, see security/keys/key-store.ts mergeKeyRecords)
 *   auth.roles.<name>   an API-managed role; deleting the role deletes the entry (the bucket's
 *                       order decides between concurrent changes: the last one wins; a change
 *                       this node made and could not publish yet is kept, across restarts, and
 *                       published when NATS answers again)
 *
 * Each node keeps its own files (`<data>/.auth`) as the local copy: on joining, entries the
 * bucket lacks are published from it, entries it lacks are written to it. Built-in roles,
 * roles from a node's roles file and each node's bootstrap key stay per node.
 */
import type { KV, KvEntry } from 'nats';
import { sameKeyRecord, type KeyStore, type StoredKey } from '../security/keys/key-store.js';
import type { RoleRegistry } from '../security/rbac/role-registry.js';
import type { Role } from '../security/rbac/role.js';
import type { EngineLogger } from '../engine/index.js';
import { keepWatching } from './kept-watch.js';

const KEY_PREFIX = 'auth.keys.';
const ROLE_PREFIX = 'auth.roles.';

export class SecuritySync {
  private closed = false;
  /** Local changes are published one at a time, in the order they were made. */
  private publishing: Promise<void> = Promise.resolve();
  private stopWatch: (() => void) | undefined;
  private watching: Promise<void> = Promise.resolve();
  /** Replicated entries are applied one batch at a time, in the bucket's order. */
  private applying: Promise<void> = Promise.resolve();
  private stopFileWatch: (() => void) | undefined;

  private constructor(
    private readonly kv: KV,
    private readonly keys: KeyStore,
    private readonly roles: RoleRegistry,
    private readonly log: EngineLogger,
  ) {}

  /** Starts replicating; resolves once this node holds the bucket's records (its own missing ones are published in the background). */
  static async start(kv: KV, keys: KeyStore, roles: RoleRegistry, log: EngineLogger): Promise<SecuritySync> {
    const sync = new SecuritySync(kv, keys, roles, log);
    keys.onRecordChange((record) => sync.enqueue(() => sync.publishKey(record)));
    roles.onManagedChange((name, role, change) => sync.enqueue(() => sync.publishRoleChange(name, role, change)));
    await sync.watch();
    return sync;
  }

  /**
   * Publishes after the changes queued before it. A failed publish (NATS unreachable) is
   * retried with backoff (0.5 s doubling to 5 s) until it lands or the sync closes: a
   * revocation must reach the other nodes, not wait for a restart.
   */
  private enqueue(publish: () => Promise<void>): void {
    if (this.closed) return;
    this.publishing = this.publishing.then(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await publish();
          if (attempt > 0) this.log('info', 'a security change reached the cluster after retries', { attempts: attempt + 1 });
          return;
        } catch (error) {
          if (this.closed) {
            this.log('error', 'a security change was not replicated before the node left; it is kept locally and published when the node rejoins', { error: (error as Error).message });
            return;
          }
          this.log(attempt % 10 === 0 ? 'warn' : 'debug', 'replicating a security change to the cluster failed; retrying (later changes wait behind it)', { error: (error as Error).message, attempt: attempt + 1 });
          await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 500 * 2 ** attempt)));
        }
      }
    });
  }

  private async publishKey(record: StoredKey): Promise<void> {
    await this.kv.put(`${KEY_PREFIX}${record.id}`, JSON.stringify(record));
  }

  /** Publishes a local role change, then marks it published (until then it survives restarts and wins over the bucket). */
  private async publishRoleChange(name: string, role: Role | undefined, change: number): Promise<void> {
    await this.publishRole(name, role);
    await this.roles.markPublished(name, change);
  }

  private async publishRole(name: string, role: Role | undefined): Promise<void> {
    if (role === undefined) await this.kv.delete(`${ROLE_PREFIX}${name}`);
    else await this.kv.put(`${ROLE_PREFIX}${name}`, JSON.stringify(role));
  }

  private async watch(): Promise<void> {
    const seenKeys = new Set<string>();
    const seenRoles = new Set<string>();
    // The bucket's current entries are applied as one batch (one write of each local file, not
    // one per entry); later entries one by one. Every apply goes through one chain, so the
    // batch lands before any later entry.
    let initialPhase = true;
    const pending: KvEntry[] = [];
    let initialDone!: () => void;
    const initial = new Promise<void>((resolve) => { initialDone = resolve; });
    const apply = (entries: KvEntry[]): Promise<void> => {
      this.applying = this.applying.then(() => this.applyEntries(entries, seenKeys, seenRoles)).catch((error: unknown) => {
        this.log('warn', 'replicated security records were refused', { keys: entries.map((e) => e.key).slice(0, 10), error: (error as Error).message });
      });
      return this.applying;
    };
    const watcher = await this.kv.watch({
      key: 'auth.>',
      initializedFn: () => {
        initialPhase = false;
        void apply(pending.splice(0)).then(() => initialDone());
      },
    });
    this.stopWatch = () => watcher.stop();
    // Kept alive for the node's life (kept-watch.ts): its replay re-delivers every record
    // (merging a key record is idempotent; a role takes the bucket's latest).
    this.watching = keepWatching({
      label: 'keys and roles', watcher, isClosed: () => this.closed, log: this.log,
      reopen: async () => {
        const next = await this.kv.watch({ key: 'auth.>' });
        this.stopWatch = () => next.stop();
        return next;
      },
      onEntry: (entry) => {
        if (initialPhase) pending.push(entry);
        else void apply([entry]);
      },
    });
    await initial;
    // What this node has and the bucket lacks (made before it joined, or while it was away);
    // published in the background (a start never waits on NATS for it).
    for (const record of this.keys.records()) if (!seenKeys.has(record.id)) this.enqueue(() => this.publishKey(record));
    const unpublished = this.roles.unpublishedChanges();
    for (const [name, role, change] of unpublished) this.enqueue(() => this.publishRoleChange(name, role, change));
    const pendingNames = new Set(unpublished.map(([name]) => name));
    for (const role of this.roles.managedRoles()) if (!seenRoles.has(role.name) && !pendingNames.has(role.name)) this.enqueue(() => this.publishRole(role.name, role));
    // A key changed by the CLI in the data directory reaches the cluster without waiting for a request to present a stored key.
    this.stopFileWatch = this.keys.watchFile((error) => this.log('warn', 'checking the API keys file failed', { error: error.message }));
  }

  private async applyEntries(entries: KvEntry[], seenKeys: Set<string>, seenRoles: Set<string>): Promise<void> {
    const keys: StoredKey[] = [];
    const roles: [string, unknown][] = [];
    for (const entry of entries) {
      const present = entry.operation === 'PUT' && entry.value.length > 0;
      if (entry.key.startsWith(KEY_PREFIX)) {
        seenKeys.add(entry.key.slice(KEY_PREFIX.length));
        if (present) keys.push(entry.json<StoredKey>()); // key records are never deleted; an operator's purge is not replayed
      } else if (entry.key.startsWith(ROLE_PREFIX)) {
        const name = entry.key.slice(ROLE_PREFIX.length);
        seenRoles.add(name);
        roles.push([name, present ? entry.json<unknown>() : undefined]);
      }
    }
    if (roles.length > 0) await this.roles.applyReplicated(roles);
    if (keys.length === 0) return;
    const merged = await this.keys.applyReplicated(keys);
    // This node knew of a restriction the bucket's version lacks: publish the merge.
    merged.forEach((record, i) => { if (!sameKeyRecord(record, keys[i])) this.enqueue(() => this.publishKey(record)); });
  }

  /** Stops watching; local changes already queued are published first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopFileWatch?.();
    await this.publishing;
    this.stopWatch?.();
    await this.watching.catch(() => undefined);
  }
}
