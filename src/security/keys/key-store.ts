/**
 * Stored API keys (service accounts): created through the admin API or the CLI, shown once,
 * kept only as a salted scrypt hash in `<data>/.auth/keys.json` (0600), listed without
 * secrets, revocable, rotatable with an overlap window in which old and new both work.
 *
 * A key reads `rvk_<id>.<secret>`: the id finds the one record to check, so a request costs
 * one scrypt at most (on libuv's pool), and a key that verified once is remembered by its
 * SHA-256 digest (compared in constant time), so later requests cost a hash. Status (revoked,
 * expired) is checked on every request against the record, never cached.
 *
 * The file may be changed by the CLI while a server runs: the store re-reads it when its
 * modification time changes (checked at most once a second).
 *
 * In a cluster the records are replicated through the metadata bucket (cluster/security-sync.ts):
 * `onRecordChange` reports every record this node created or changed (API, CLI file edit) and
 * `applyReplicated` takes a record from another node. Once made, a key only ever becomes more
 * restricted (revoked, expiry shortened, rotated), so two versions of a record merge into one
 * (`mergeKeyRecords`) whatever order they arrive in.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RvError } from '../../errors.js';
import { readFileIfExists, writeFileAtomic } from '../../storage/index.js';
import type { Principal } from '../principal.js';
import { canonicalJson, type CanonicalValue } from '../audit/canonical-json.js';
import { validateCollectionPattern } from '../rbac/collection-pattern.js';
import { createApiKeyVerifier, hashApiKey, type ApiKeyHash } from './api-key-hash.js';

export const MAX_KEYS = 100_000;
const KEY_FORMAT = /^rvk_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;
const NAME_FORMAT = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;
const RELOAD_CHECK_MS = 1000;
/** How often watchFile() checks the file. */
const FILE_CHECK_MS = 2000;

export interface StoredKey {
  id: string;
  name: string;
  roles: string[];
  collections?: string[];
  created_at: string;
  expires_at?: string;
  revoked_at?: string;
  /** The key this one replaced by rotation. */
  rotated_from?: string;
  /** The key that replaced this one; it stays valid until its `expires_at` (the overlap). */
  rotated_to?: string;
  hash: ApiKeyHash;
}

/** A key the keys file gained, lost or changed behind this process's back (see onFileChange). */
export interface KeyFileChange {
  change: 'created' | 'changed' | 'revoked' | 'removed';
  key: Omit<StoredKey, 'hash'>;
}

/** A key as listed: everything but the hash, plus its status now. */
export type KeyView = Omit<StoredKey, 'hash'> & { status: 'active' | 'expired' | 'revoked' };

export interface CreateKeyRequest {
  name: string;
  roles: string[];
  collections?: string[];
  /** Lifetime in ms; none: no expiry. */
  expiresInMs?: number;
}

interface KeysFile {
  version: 1;
  keys: StoredKey[];
}

export class KeyStore {
  private keys = new Map<string, StoredKey>();
  private verifiers = new Map<string, (presented: string) => Promise<boolean>>();
  /** SHA-256 of a presented key that verified → key id. */
  private readonly accepted = new Map<string, { digest: Buffer; id: string }>();
  /** SHA-256 hex of presented keys that failed, so repeating a wrong key costs no scrypt. */
  private readonly rejected = new Map<string, true>();
  private loadedMtimeMs = -1;
  private lastCheck = 0;
  private writing: Promise<unknown> = Promise.resolve();
  private readonly recordListeners: ((record: StoredKey) => void)[] = [];
  private readonly fileListeners: ((change: KeyFileChange) => void)[] = [];
  /** watchFile(): the callers' error reporters, and the one timer they share. */
  private readonly fileWatchers = new Set<(error: Error) => void>();
  private fileTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly file: string | undefined,
    private readonly roleExists: (name: string) => boolean,
    private readonly now: () => number,
  ) {}

  /** Opens the store at `file` (none: in memory only, for tests); `roleExists` validates role names. */
  static async open(options: { file?: string; roleExists: (name: string) => boolean; now?: () => number }): Promise<KeyStore> {
    const store = new KeyStore(options.file, options.roleExists, options.now ?? Date.now);
    await store.reload(true);
    return store;
  }

  /** Calls `listener` with every record created or changed on this node (not with replicated ones). */
  onRecordChange(listener: (record: StoredKey) => void): void {
    this.recordListeners.push(listener);
  }

  /**
   * Calls `listener` for every key the file gained, changed or lost while this process had it
   * loaded: changes made outside the process (`ruvector keys … --data-dir` next to a running
   * server), which the server then audits. Never with the hash.
   */
  onFileChange(listener: (change: KeyFileChange) => void): void {
    this.fileListeners.push(listener);
  }

  /** Every stored record, hash included (for replication; never for listings). */
  records(): StoredKey[] {
    return [...this.keys.values()].map((record) => structuredClone(record));
  }

  /**
   * Takes records from other nodes: each merged with the local one (see mergeKeyRecords),
   * then all persisted in one write, and only when something changed. Returns the merged
   * records; one differs from its incoming record when this node knew of a restriction the
   * other did not (the caller replicates it back). If the file cannot be written (disk full),
   * the merged records stay in effect in memory, so a revocation is honoured anyway, and are
   * written with the next change.
   */
  async applyReplicated(incoming: readonly StoredKey[]): Promise<StoredKey[]> {
    for (const record of incoming) {
      if (typeof record?.id !== 'string' || !/^[0-9a-f]{16}$/.test(record.id) || typeof record.hash !== 'object' || !Array.isArray(record.roles)) {
        throw new RvError('RV_INVALID_ARGUMENT', 'a replicated API key record is malformed', { details: { field: 'id' } });
      }
    }
    let merged: StoredKey[] = [];
    await this.mutate(async () => {
      let changed = false;
      merged = incoming.map((record) => {
        const local = this.keys.get(record.id);
        const next = local === undefined ? structuredClone(record) : mergeKeyRecords(local, record);
        if (local === undefined || !sameKeyRecord(local, next)) {
          this.keys.set(next.id, next);
          this.verifiers.delete(next.id);
          changed = true;
        }
        return next;
      });
      return changed;
    }, { report: false, persistWhen: (changed) => changed, keepOnPersistFailure: true });
    return merged;
  }

  /**
   * Re-reads the file if it changed (the CLI edits it while a server runs) and reports the
   * changed records; `verify()` does this lazily, `watchFile()` on a timer.
   */
  async checkFile(): Promise<void> {
    await this.reloadIfChanged();
  }

  /**
   * Checks the file every 2 s so changes made by the CLI take effect, and reach the listeners
   * (cluster replication, the audit trail), without waiting for a request to present a key.
   * One timer per store however many callers watch; returns this caller's stop.
   */
  watchFile(onError: (error: Error) => void): () => void {
    this.fileWatchers.add(onError);
    if (this.fileTimer === undefined) {
      this.fileTimer = setInterval(() => {
        this.checkFile().catch((error: unknown) => { for (const report of this.fileWatchers) report(error as Error); });
      }, FILE_CHECK_MS);
      this.fileTimer.unref();
    }
    return () => {
      this.fileWatchers.delete(onError);
      if (this.fileWatchers.size === 0 && this.fileTimer !== undefined) {
        clearInterval(this.fileTimer);
        this.fileTimer = undefined;
      }
    };
  }

  /** Creates a key; the secret is in the result only, never stored. */
  async create(request: CreateKeyRequest, rotatedFrom?: string): Promise<{ key: string; record: KeyView }> {
    const name = request.name;
    if (typeof name !== 'string' || !NAME_FORMAT.test(name)) throw invalid('name', 'must be 1-128 characters from [A-Za-z0-9_.@-], starting with a letter or digit');
    if (!Array.isArray(request.roles) || request.roles.length === 0 || request.roles.length > 32) throw invalid('roles', 'must name 1-32 roles');
    for (const [i, role] of request.roles.entries()) {
      if (typeof role !== 'string' || !this.roleExists(role)) throw invalid(`roles[${i}]`, `names no known role: ${JSON.stringify(role)}`);
    }
    const collections = request.collections?.map((p, i) => validateCollectionPattern(p, `collections[${i}]`));
    if (collections !== undefined && (collections.length === 0 || collections.length > 256)) throw invalid('collections', 'must list 1-256 patterns');
    return this.mutate(async () => {
      if (this.keys.size >= MAX_KEYS) throw new RvError('RV_LIMIT_EXCEEDED', `at most ${MAX_KEYS} API keys; revoke unused ones`, { details: { field: 'name', limit: MAX_KEYS } });
      const id = randomBytes(8).toString('hex');
      const secret = randomBytes(32).toString('base64url');
      const key = `rvk_${id}.${secret}`;
      const created = this.now();
      const record: StoredKey = {
        id, name, roles: [...request.roles],
        ...(collections === undefined ? {} : { collections }),
        created_at: new Date(created).toISOString(),
        ...(request.expiresInMs === undefined ? {} : { expires_at: new Date(created + request.expiresInMs).toISOString() }),
        ...(rotatedFrom === undefined ? {} : { rotated_from: rotatedFrom }),
        hash: await hashApiKey(key),
      };
      this.keys.set(id, record);
      return { key, record: this.view(record) };
    });
  }

  list(): KeyView[] {
    return [...this.keys.values()].map((record) => this.view(record));
  }

  get(id: string): KeyView | undefined {
    const record = this.keys.get(id);
    return record === undefined ? undefined : this.view(record);
  }

  /** Revokes at once; false when no such key. */
  async revoke(id: string): Promise<boolean> {
    return this.mutate(async () => {
      const record = this.keys.get(id);
      if (record === undefined) return false;
      if (record.revoked_at === undefined) record.revoked_at = new Date(this.now()).toISOString();
      return true;
    });
  }

  /**
   * Issues a replacement with the same name, roles and scope; the old key keeps working for
   * `overlapMs` (never longer than it already would).
   */
  async rotate(id: string, overlapMs: number): Promise<{ key: string; record: KeyView }> {
    const old = this.keys.get(id);
    if (old === undefined) throw new RvError('RV_KEY_NOT_FOUND', `no API key with id ${JSON.stringify(id)}`, { details: { field: 'id' } });
    if (this.status(old) !== 'active') throw new RvError('RV_INVALID_ARGUMENT', `API key ${id} is ${this.status(old)}; only an active key can be rotated`, { details: { field: 'id' } });
    const remainingMs = old.expires_at === undefined ? undefined : Date.parse(old.expires_at) - this.now();
    const lifetimeMs = old.expires_at === undefined ? undefined : Date.parse(old.expires_at) - Date.parse(old.created_at);
    const created = await this.create({ name: old.name, roles: old.roles, ...(old.collections === undefined ? {} : { collections: old.collections }), ...(lifetimeMs === undefined ? {} : { expiresInMs: lifetimeMs }) }, id);
    await this.mutate(async () => {
      const current = this.keys.get(id);
      if (current === undefined) return;
      const overlapEnd = this.now() + (remainingMs === undefined ? overlapMs : Math.min(overlapMs, remainingMs));
      current.expires_at = new Date(overlapEnd).toISOString();
      current.rotated_to = created.record.id;
    });
    return created;
  }

  /** The principal for a presented key, or undefined when it is not a valid, live stored key. */
  async verify(presented: string): Promise<Principal | undefined> {
    const match = KEY_FORMAT.exec(presented);
    if (match === null) return undefined;
    await this.reloadIfChanged();
    const id = match[1];
    const record = this.keys.get(id);
    if (record === undefined || this.status(record) !== 'active') return undefined;
    const digest = createHash('sha256').update(presented).digest();
    const hex = digest.toString('hex');
    if (this.rejected.has(hex)) return undefined;
    const remembered = this.accepted.get(id);
    let ok = remembered !== undefined && timingSafeEqual(remembered.digest, digest);
    if (!ok) {
      let verifier = this.verifiers.get(id);
      if (verifier === undefined) {
        verifier = createApiKeyVerifier(record.hash);
        this.verifiers.set(id, verifier);
      }
      ok = await verifier(presented);
      if (ok) this.accepted.set(id, { digest, id });
      else {
        if (this.rejected.size >= 4096) this.rejected.delete(this.rejected.keys().next().value as string);
        this.rejected.set(hex, true);
      }
    }
    if (!ok) return undefined;
    return { id: `key:${id}`, kind: 'api-key', name: record.name, roles: record.roles, ...(record.collections === undefined ? {} : { collections: record.collections }) };
  }

  private status(record: StoredKey): KeyView['status'] {
    if (record.revoked_at !== undefined) return 'revoked';
    if (record.expires_at !== undefined && Date.parse(record.expires_at) <= this.now()) return 'expired';
    return 'active';
  }

  private view(record: StoredKey): KeyView {
    const { hash: _hash, ...rest } = record;
    return { ...rest, status: this.status(record) };
  }

  /**
   * Runs one change at a time: re-read, change, write; memory changes only after the write
   * (unless `keepOnPersistFailure`). `persistWhen` skips the write for a change that changed
   * nothing; records the change touched are reported to the record listeners when `report`.
   */
  private async mutate<T>(change: () => Promise<T>, options: { report?: boolean; persistWhen?: (result: T) => boolean; keepOnPersistFailure?: boolean } = {}): Promise<T> {
    const run = this.writing.then(async () => {
      await this.reload(false);
      const before = new Map([...this.keys].map(([id, r]) => [id, structuredClone(r)]));
      let result: T;
      try {
        result = await change();
      } catch (error) {
        this.keys = before;
        throw error;
      }
      if (options.persistWhen === undefined || options.persistWhen(result)) {
        try {
          await this.persist();
        } catch (error) {
          if (!options.keepOnPersistFailure) {
            this.keys = before;
            throw error;
          }
        }
      }
      if (options.report !== false) this.reportChanges(before);
      return result;
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Reports to the file listeners how the keys read from the file differ from `before`. */
  private reportFileChanges(before: Map<string, StoredKey>): void {
    if (this.fileListeners.length === 0) return;
    const view = (record: StoredKey): Omit<StoredKey, 'hash'> => {
      const { hash: _hash, ...rest } = record;
      return rest;
    };
    const changes: KeyFileChange[] = [];
    for (const [id, record] of this.keys) {
      const previous = before.get(id);
      if (previous === undefined) changes.push({ change: 'created', key: view(record) });
      else if (!sameKeyRecord(previous, record)) {
        changes.push({ change: record.revoked_at !== undefined && previous.revoked_at === undefined ? 'revoked' : 'changed', key: view(record) });
      }
    }
    for (const [id, record] of before) if (!this.keys.has(id)) changes.push({ change: 'removed', key: view(record) });
    for (const change of changes) for (const listener of this.fileListeners) listener(change);
  }

  /** Reports the records that differ from `before` (new or changed) to the record listeners. */
  private reportChanges(before: Map<string, StoredKey>): void {
    if (this.recordListeners.length === 0) return;
    for (const [id, record] of this.keys) {
      const previous = before.get(id);
      if (previous !== undefined && sameKeyRecord(previous, record)) continue;
      for (const listener of this.recordListeners) listener(structuredClone(record));
    }
  }

  private async reloadIfChanged(): Promise<void> {
    if (this.file === undefined || this.now() - this.lastCheck < RELOAD_CHECK_MS) return;
    this.lastCheck = this.now();
    await this.reload(false);
  }

  private async reload(initial: boolean): Promise<void> {
    if (this.file === undefined) return;
    const mtimeMs = await stat(this.file).then((s) => s.mtimeMs, () => 0);
    if (!initial && mtimeMs === this.loadedMtimeMs) return;
    const text = await readFileIfExists(this.file);
    const keys = new Map<string, StoredKey>();
    if (text !== undefined) {
      let parsed: KeysFile;
      try {
        parsed = JSON.parse(text) as KeysFile;
      } catch (cause) {
        throw new RvError('RV_STORAGE_CORRUPTED', `${this.file} is not valid JSON`, { cause, details: { file: this.file } });
      }
      if (parsed.version !== 1 || !Array.isArray(parsed.keys)) throw new RvError('RV_STORAGE_CORRUPTED', `${this.file} is not an API keys file (version 1)`, { details: { file: this.file } });
      for (const record of parsed.keys) keys.set(record.id, record);
    }
    const before = this.keys;
    this.keys = keys;
    // A change made to the file by the CLI is a change made on this node.
    if (!initial) {
      this.reportChanges(before);
      this.reportFileChanges(before);
    }
    // Hashes may have changed (a rotation elsewhere); remembered digests are re-checked lazily.
    this.verifiers = new Map();
    for (const id of [...this.accepted.keys()]) if (!keys.has(id)) this.accepted.delete(id);
    this.loadedMtimeMs = mtimeMs;
  }

  private async persist(): Promise<void> {
    if (this.file === undefined) return;
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await chmod(dirname(this.file), 0o700);
    const body: KeysFile = { version: 1, keys: [...this.keys.values()] };
    await writeFileAtomic(this.file, `${JSON.stringify(body, null, 2)}\n`);
    this.loadedMtimeMs = await stat(this.file).then((s) => s.mtimeMs, () => 0);
  }
}

/** Whether two records hold the same values (property order aside). */
export function sameKeyRecord(a: StoredKey, b: StoredKey): boolean {
  return canonicalJson(a as unknown as CanonicalValue) === canonicalJson(b as unknown as CanonicalValue);
}

const earliest = (a: string | undefined, b: string | undefined): string | undefined =>
  (a === undefined ? b : b === undefined ? a : Date.parse(a) <= Date.parse(b) ? a : b);

/**
 * Two versions of one key record → the one with every restriction of both: the earliest
 * revocation and expiry. Commutative and idempotent, so nodes applying versions in any order
 * converge: the fields a key never changes (name, roles, scope, hash, creation) are taken from
 * whichever version sorts first by them (they are equal unless a record was tampered with), and
 * of two different replacements (`rotated_to`: a key rotated twice, or on two nodes at once)
 * the smaller id is kept (the field is informative; both replacements stay valid keys).
 */
export function mergeKeyRecords(a: StoredKey, b: StoredKey): StoredKey {
  const revoked = earliest(a.revoked_at, b.revoked_at);
  const expires = earliest(a.expires_at, b.expires_at);
  const rotatedTo = a.rotated_to === undefined ? b.rotated_to : b.rotated_to === undefined ? a.rotated_to : a.rotated_to < b.rotated_to ? a.rotated_to : b.rotated_to;
  const fixed = (record: StoredKey): Omit<StoredKey, 'revoked_at' | 'expires_at' | 'rotated_to'> => {
    const { revoked_at: _r, expires_at: _e, rotated_to: _t, ...rest } = record;
    return rest;
  };
  const [fa, fb] = [fixed(a), fixed(b)];
  const base = canonicalJson(fa as unknown as CanonicalValue) <= canonicalJson(fb as unknown as CanonicalValue) ? fa : fb;
  return {
    ...structuredClone(base),
    ...(expires === undefined ? {} : { expires_at: expires }),
    ...(revoked === undefined ? {} : { revoked_at: revoked }),
    ...(rotatedTo === undefined ? {} : { rotated_to: rotatedTo }),
  };
}

function invalid(field: string, message: string): RvError {
  return new RvError('RV_INVALID_ARGUMENT', `${field} ${message}`, { details: { field } });
}
