/**
 * Secrets from environment variables: `master_key` is `RUVECTOR_MASTER_KEY`. An empty
 * variable counts as unset. `refresh()` re-reads the environment object it was given (a
 * process's own environment only changes from inside it, so rotating env secrets means a
 * restart — or a provider whose backend can change: file, Vault).
 */
import { CachedSecretProvider, type CachedSecretProviderOptions } from './secret-provider.js';

export interface EnvSecretProviderOptions extends CachedSecretProviderOptions {
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

export function envVariableFor(name: string): string {
  return `RUVECTOR_${name.toUpperCase()}`;
}

export class EnvSecretProvider extends CachedSecretProvider {
  readonly kind = 'env' as const;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: EnvSecretProviderOptions = {}) {
    super(options);
    this.env = options.env ?? process.env;
  }

  protected read(name: string): Promise<string | undefined> {
    const value = this.env[envVariableFor(name)];
    return Promise.resolve(value === undefined || value === '' ? undefined : value);
  }

  describe(name: string): string {
    return `environment variable ${envVariableFor(name)}`;
  }
}
