/**
 * SecretProvider: where RuVector reads secrets (the master key, and later TLS keys or JWT
 * secrets) from, by a lower-case name such as `master_key`. Values are cached for a TTL
 * (default 5 minutes) so a slow backend (Vault) is not asked on every use; `refresh()` drops
 * the cache, re-reads every name read so far and tells listeners which values changed: the
 * rotation hook (the keyring re-keys from it without a restart).
 *
 * @example
 *   const secrets = new EnvSecretProvider();
 *   const key = await secrets.get('master_key');           // RUVECTOR_MASTER_KEY
 *   secrets.onChange((names) => { if (names.includes('master_key')) void rekey(); });
 *   await secrets.refresh();
 */
import { RvError } from '../../errors.js';

export type SecretProviderKind = 'env' | 'file' | 'vault';

/** Told which names got a new value (or lost theirs) on `refresh()`. */
export type SecretChangeListener = (changedNames: readonly string[]) => void | Promise<void>;

export interface SecretProvider {
  readonly kind: SecretProviderKind;
  /** The value; @throws RV_SECRET_NOT_FOUND when there is none. */
  get(name: string): Promise<string>;
  /** The value, or undefined when there is none. */
  getOptional(name: string): Promise<string | undefined>;
  /** Where `name` is read from, for error messages (never the value): `RUVECTOR_MASTER_KEY`. */
  describe(name: string): string;
  /** Re-reads every name read so far, bypassing the cache; notifies listeners; returns the changed names. */
  refresh(): Promise<string[]>;
  /** Registers a rotation listener; returns a function that removes it. */
  onChange(listener: SecretChangeListener): () => void;
}

export const DEFAULT_SECRET_CACHE_TTL_MS = 5 * 60 * 1000;

const NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

export function validateSecretName(name: string): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new RvError('RV_INVALID_ARGUMENT', `secret name ${JSON.stringify(name)} is invalid: 1 to 64 characters of a-z 0-9 _, starting with a letter`,
      { details: { field: 'name' } });
  }
  return name;
}

export interface CachedSecretProviderOptions {
  /** How long a read is reused; 0 disables the cache. Default 5 minutes. */
  cacheTtlMs?: number;
  /** Clock for tests. */
  now?: () => number;
}

interface CacheEntry {
  value: string | undefined;
  expiresAt: number;
}

/** The TTL cache, the in-flight de-duplication and the listeners every provider shares. */
export abstract class CachedSecretProvider implements SecretProvider {
  abstract readonly kind: SecretProviderKind;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<string | undefined>>();
  private readonly listeners = new Set<SecretChangeListener>();

  protected constructor(options: CachedSecretProviderOptions = {}) {
    const ttlMs = options.cacheTtlMs ?? DEFAULT_SECRET_CACHE_TTL_MS;
    if (!Number.isFinite(ttlMs) || ttlMs < 0) {
      throw new RvError('RV_INVALID_ARGUMENT', `cacheTtlMs must be a number ≥ 0, got ${String(ttlMs)}`, { details: { field: 'cacheTtlMs' } });
    }
    this.ttlMs = ttlMs;
    this.now = options.now ?? Date.now;
  }

  /** Reads `name` from the backend (no cache); undefined when it has no value. */
  protected abstract read(name: string): Promise<string | undefined>;

  abstract describe(name: string): string;

  async get(name: string): Promise<string> {
    const value = await this.getOptional(name);
    if (value === undefined) {
      throw new RvError('RV_SECRET_NOT_FOUND', `secret "${name}" is not set (${this.describe(name)})`, { details: { name, provider: this.kind } });
    }
    return value;
  }

  async getOptional(name: string): Promise<string | undefined> {
    validateSecretName(name);
    const cached = this.cache.get(name);
    if (cached !== undefined && this.now() < cached.expiresAt) return cached.value;
    return this.load(name);
  }

  private load(name: string): Promise<string | undefined> {
    let pending = this.inFlight.get(name);
    if (pending === undefined) {
      pending = this.read(name).then((value) => {
        if (this.ttlMs > 0) this.cache.set(name, { value, expiresAt: this.now() + this.ttlMs });
        return value;
      }).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, pending);
    }
    return pending;
  }

  async refresh(): Promise<string[]> {
    const names = [...this.cache.keys()];
    const before = new Map(names.map((name) => [name, this.cache.get(name)?.value]));
    this.cache.clear();
    const changed: string[] = [];
    for (const name of names) {
      const value = await this.load(name);
      if (value !== before.get(name)) changed.push(name);
    }
    if (changed.length > 0) {
      for (const listener of [...this.listeners]) await listener(changed);
    }
    return changed;
  }

  onChange(listener: SecretChangeListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }
}
