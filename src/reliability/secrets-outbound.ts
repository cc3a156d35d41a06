/**
 * The secrets provider's outbound calls: Vault is a network dependency (env and file secrets
 * are local), so its calls go through a breaker with a timeout and retries, registered in the
 * process's DependencyPolicies (`/ready`, the breaker gauge). The server and the CLI's one-shot
 * commands (backup, audit) use the same policy.
 */
import type { RuVectorConfig } from '../config/index.js';
import type { DependencyPolicies } from './policies.js';

/** Structurally the security layer's SecretProviderOutbound. */
export interface SecretsOutbound {
  runOutbound?: <T>(call: (signal: AbortSignal) => Promise<T>) => Promise<T>;
}

export function secretsOutboundFor(secrets: RuVectorConfig['secrets'], dependencies: DependencyPolicies): SecretsOutbound {
  if (secrets.provider !== 'vault') return {};
  const policy = dependencies.create({ name: 'secrets:vault', timeoutMs: secrets.vault_timeout_ms, retries: 2 });
  return { runOutbound: <T>(call: (signal: AbortSignal) => Promise<T>) => policy.execute(call) };
}
