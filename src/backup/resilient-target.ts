/**
 * Wraps a BackupTarget in its dependency policy (reliability/policies.ts, cockatiel): a
 * per-attempt timeout, a circuit breaker, retries with exponential backoff and jitter. The
 * breaker is named `backup:<target URL>`, so its state shows in the circuit-breaker gauge and
 * in `/ready` (not critical: a target outage stops no request). Failures that are not already
 * RvErrors (S3 SDK, file system) become RV_DEPENDENCY_UNAVAILABLE naming the target and action.
 */
import { isRvError, RvError } from '../errors.js';
import { DependencyPolicies, type DependencyPolicy, type DependencyPolicyOptions } from '../reliability/index.js';
import type { BackupTarget } from './target.js';

/** Policy settings for backup targets (defaults below suit large parts over a slow link). */
export type TargetPolicyOptions = Partial<Omit<DependencyPolicyOptions, 'name'>>;

const DEFAULTS: TargetPolicyOptions = { timeoutMs: 120_000, retries: 3, initialDelayMs: 200, maxDelayMs: 5000, breakAfterFailures: 5, halfOpenAfterMs: 30_000 };

export class ResilientBackupTarget implements BackupTarget {
  readonly description: string;
  private readonly policy: DependencyPolicy;

  /** `policies`: the process's registry (metrics, readiness); a private one when absent. */
  constructor(private readonly inner: BackupTarget, options: TargetPolicyOptions = {}, policies: DependencyPolicies = new DependencyPolicies()) {
    this.description = inner.description;
    this.policy = policies.create({ ...DEFAULTS, ...options, name: `backup:${inner.description}` });
  }

  private async run<T>(action: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await this.policy.execute(fn);
    } catch (error) {
      if (isRvError(error)) throw error;
      throw new RvError('RV_DEPENDENCY_UNAVAILABLE', `backup target ${this.description}: ${action} failed: ${(error as Error).message}`, { cause: error, details: { target: this.description } });
    }
  }

  put(key: string, body: Uint8Array): Promise<void> {
    return this.run(`put ${key}`, (signal) => this.inner.put(key, body, signal));
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.run(`get ${key}`, (signal) => this.inner.get(key, signal));
  }

  list(prefix: string): Promise<string[]> {
    return this.run(`list ${prefix === '' ? 'backups' : prefix}`, (signal) => this.inner.list(prefix, signal));
  }

  delete(keys: readonly string[]): Promise<void> {
    return this.run(`delete ${keys.length} objects`, (signal) => this.inner.delete(keys, signal));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
