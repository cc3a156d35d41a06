/** Secrets providers: env, file (0600), HashiCorp Vault KV v2. */
export { CachedSecretProvider, DEFAULT_SECRET_CACHE_TTL_MS, validateSecretName } from './secret-provider.js';
export type { SecretChangeListener, SecretProvider, SecretProviderKind } from './secret-provider.js';
export { EnvSecretProvider, envVariableFor } from './env-secret-provider.js';
export { FileSecretProvider } from './file-secret-provider.js';
export { VaultSecretProvider } from './vault-secret-provider.js';
export type { RunOutbound, VaultAuth, VaultSecretProviderOptions } from './vault-secret-provider.js';
export { createSecretProvider, type SecretProviderOutbound } from './create-secret-provider.js';
