/**
 * The composition root's entry to encryption at rest: with `[storage] encryption = true`,
 * builds the secrets provider of `[secrets]`, reads the master keys from it and returns the
 * keyring; with encryption off, undefined. Fails at start, clearly, when the master key is
 * missing or not 32 bytes (RV_MASTER_KEY_INVALID) or the provider cannot be read.
 *
 * @example
 *   const encryption = await keyringFromConfig(config);
 *   const db = await Database.open({ path, sealing: encryption?.keyring });
 */
import type { RuVectorConfig } from '../../config/index.js';
import { createSecretProvider, type SecretProvider, type SecretProviderOutbound } from '../secrets/index.js';
import { Keyring } from './keyring.js';
import { loadMasterKeys } from './master-keys.js';

export interface EncryptionSetup {
  keyring: Keyring;
  secrets: SecretProvider;
}

export async function keyringFromConfig(config: Pick<RuVectorConfig, 'storage' | 'secrets'>, env: NodeJS.ProcessEnv = process.env,
  outbound: SecretProviderOutbound = {}): Promise<EncryptionSetup | undefined> {
  if (!config.storage.encryption) return undefined;
  const secrets = createSecretProvider(config.secrets, env, outbound);
  const keyring = Keyring.create(await loadMasterKeys(secrets));
  return { keyring, secrets };
}
