/**
 * Master-key rotation without downtime: what `POST /admin/encryption/rotate` and
 * `ruvector keys rotate-master` run. `rotate()` re-reads the master keys from the secrets
 * provider (`master_key` = the new key, `master_key_previous` = older ones), makes the new key
 * the one new writes are sealed with, and starts the re-seal job (engine/reseal-job.ts) that
 * moves every row, checkpoint and snapshot to it. When the job has finished, the older keys
 * are retired from memory and reported as unreferenced: the operator may then delete them
 * from the secrets backend. Calling `rotate()` with an unchanged key just re-runs the job
 * (e.g. after a restart with a previous key still configured).
 *
 * @example
 *   const rotation = new MasterKeyRotation({ db, keyring, secrets });
 *   await rotation.rotate();             // { rotated: true, previousKeyId, currentKeyId, ... }
 *   rotation.status().reseal;            // { state: 'running', done, total, ... }
 */
import { loadMasterKeys, type Keyring } from '../security/crypto/index.js';
import type { SecretProvider } from '../security/secrets/index.js';
import type { Database } from './database.js';
import { ResealJob, type ResealStatus } from './reseal-job.js';
import type { EngineLogger } from './shard.js';

export interface EncryptionStatus {
  enabled: true;
  /** The key id new writes are sealed with. */
  currentKeyId: string;
  /** Every key id this process can open data with, the current one first. */
  keyIds: string[];
  /** Key ids retired after a completed re-seal (safe to delete from the secrets backend). */
  retiredKeyIds: string[];
  reseal: ResealStatus;
}

export interface RotateResult extends EncryptionStatus {
  /** True when the secrets provider held a new master key. */
  rotated: boolean;
  previousKeyId: string;
}

export interface MasterKeyRotationOptions {
  db: Database;
  keyring: Keyring;
  secrets: SecretProvider;
  logger?: EngineLogger;
  /** Rows per re-seal slice (default 500). */
  sliceRows?: number;
}

export class MasterKeyRotation {
  private readonly options: MasterKeyRotationOptions;
  private readonly job: ResealJob;
  private readonly log: EngineLogger;
  private retired: string[] = [];

  constructor(options: MasterKeyRotationOptions) {
    this.options = options;
    this.log = options.logger ?? (() => undefined);
    this.job = new ResealJob({
      db: options.db, sealing: options.keyring, sliceRows: options.sliceRows, logger: options.logger,
      onUnreferenced: (keyIds) => {
        const dropped = options.keyring.retire(keyIds);
        this.retired = [...new Set([...this.retired, ...dropped])];
        if (dropped.length > 0) this.log('info', 'older master keys retired: nothing references them any more', { retiredKeyIds: dropped });
      },
    });
  }

  status(): EncryptionStatus {
    const { keyring } = this.options;
    return { enabled: true, currentKeyId: keyring.currentKeyId, keyIds: keyring.keyIds(), retiredKeyIds: [...this.retired], reseal: this.job.status() };
  }

  /** Re-reads the keys, switches new writes to the current one, starts the re-seal job. */
  async rotate(): Promise<RotateResult> {
    const { keyring, secrets } = this.options;
    const previousKeyId = keyring.currentKeyId;
    await secrets.refresh();
    const keys = await loadMasterKeys(secrets);
    const rotated = keyring.setKeys(keys);
    if (rotated) {
      this.retired = this.retired.filter((id) => id !== keyring.currentKeyId);
      this.log('info', 'master key rotated: new writes use the new key id, re-sealing older data', { previousKeyId, currentKeyId: keyring.currentKeyId });
    }
    this.job.start();
    return { ...this.status(), rotated, previousKeyId };
  }

  /** Resolves when the running re-seal (if any) has ended. */
  async finished(): Promise<EncryptionStatus> {
    await this.job.finished();
    return this.status();
  }

  /** Stops the re-seal job after its current slice (call before closing the database). */
  async stop(): Promise<void> {
    await this.job.stop();
  }
}
