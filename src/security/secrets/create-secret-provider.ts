/** Builds the secrets provider the `[secrets]` config section describes. */
import type { RuVectorConfig } from '../../config/index.js';
import { RvError } from '../../errors.js';
import { EnvSecretProvider } from './env-secret-provider.js';
import { FileSecretProvider } from './file-secret-provider.js';
import type { SecretProvider } from './secret-provider.js';
import { VaultSecretProvider, type RunOutbound } from './vault-secret-provider.js';

/** How a provider with an outbound dependency (Vault) runs its calls: the composition root passes a DependencyPolicy. */
export interface SecretProviderOutbound {
  /** Default: calls run directly, with only the provider's own timeout. */
  runOutbound?: RunOutbound;
}

/**
 * @example
 *   const secrets = createSecretProvider(config.secrets);
 *   const keys = await loadMasterKeys(secrets);
 */
export function createSecretProvider(config: RuVectorConfig['secrets'], env: NodeJS.ProcessEnv = process.env, outbound: SecretProviderOutbound = {}): SecretProvider {
  const cacheTtlMs = config.cache_ttl_seconds * 1000;
  switch (config.provider) {
    case 'env':
      return new EnvSecretProvider({ env, cacheTtlMs });
    case 'file':
      if (config.file_dir === undefined) {
        throw new RvError('RV_CONFIG_INVALID', 'secrets.provider = "file" needs secrets.file_dir', { details: { field: 'secrets.file_dir' } });
      }
      return new FileSecretProvider({ dir: config.file_dir, cacheTtlMs });
    case 'vault': {
      if (config.vault_address === undefined) {
        throw new RvError('RV_CONFIG_INVALID', 'secrets.provider = "vault" needs secrets.vault_address', { details: { field: 'secrets.vault_address' } });
      }
      const auth = config.vault_auth === 'token'
        ? { method: 'token' as const, token: config.vault_token ?? '' }
        : { method: 'approle' as const, roleId: config.vault_role_id ?? '', secretId: config.vault_secret_id ?? '' };
      return new VaultSecretProvider({
        address: config.vault_address, mount: config.vault_mount, path: config.vault_path, auth,
        timeoutMs: config.vault_timeout_ms, cacheTtlMs,
        ...(outbound.runOutbound === undefined ? {} : { runOutbound: outbound.runOutbound }),
      });
    }
  }
}
