/**
 * Secrets from HashiCorp Vault's KV v2 engine over its HTTP API (global fetch, no client
 * library: the two endpoints used are small and stable, and the official Node client is
 * unmaintained). `master_key` is the field `master_key` of the secret at `<mount>/<path>`:
 *
 *   GET  {address}/v1/{mount}/data/{path}     X-Vault-Token → {data: {data: {...}, metadata: {version}}}
 *   POST {address}/v1/auth/approle/login      {role_id, secret_id} → {auth: {client_token, lease_duration}}
 *
 * Auth: a static token, or AppRole (logs in on first use, again shortly before the token's
 * lease ends and once on a 403). Every request has a timeout. Rotation: write a new version
 * of the secret in Vault, then `refresh()`.
 *
 * Vault is an outbound dependency: the composition root passes `runOutbound` (a reliability
 * DependencyPolicy: retries, circuit breaker, timeout) and every HTTP exchange runs inside it.
 * Inside, only Vault failing throws (unreachable, timed out, 5xx, 429, unreadable body: the
 * retryable RV_SECRET_PROVIDER_UNAVAILABLE, which a breaker counts); 4xx answers (403 denied,
 * 404 not found) come back as answers and become non-retryable errors outside it.
 */
import { RvError } from '../../errors.js';
import { CachedSecretProvider, type CachedSecretProviderOptions } from './secret-provider.js';

export type VaultAuth =
  | { method: 'token'; token: string }
  | { method: 'approle'; roleId: string; secretId: string };

export interface VaultSecretProviderOptions extends CachedSecretProviderOptions {
  /** Base URL, e.g. `https://vault.internal:8200`. */
  address: string;
  /** KV v2 mount, default `secret`. */
  mount?: string;
  /** Secret path inside the mount, default `ruvector`. */
  path?: string;
  auth: VaultAuth;
  /** Per request, default 5000. */
  timeoutMs?: number;
  /** Runs each HTTP exchange (e.g. under a circuit breaker); default: runs it directly. */
  runOutbound?: RunOutbound;
}

/**
 * Runs an outbound call; `call` must stop when `signal` aborts. Security may not import
 * reliability, so the policy is injected through this shape (DependencyPolicy.execute fits it).
 */
export type RunOutbound = <T>(call: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/** An HTTP exchange that Vault answered without failing: 2xx with its JSON body, or a 4xx. */
interface VaultAnswer {
  status: number;
  ok: boolean;
  body: unknown;
}

const runDirectly: RunOutbound = (call) => call(new AbortController().signal);

/** Log in again this long before an AppRole token's lease would end. */
const RENEW_MARGIN_MS = 30_000;

interface VaultToken {
  token: string;
  /** Infinity for a static token or a token without a lease. */
  expiresAt: number;
}

function trimSlashes(text: string): string {
  return text.replace(/^\/+|\/+$/g, '');
}

export class VaultSecretProvider extends CachedSecretProvider {
  readonly kind = 'vault' as const;
  private readonly address: string;
  private readonly mount: string;
  private readonly path: string;
  private readonly auth: VaultAuth;
  private readonly timeoutMs: number;
  private readonly clock: () => number;
  private readonly runOutbound: RunOutbound;
  private token: VaultToken | undefined;
  private login: Promise<VaultToken> | undefined;

  constructor(options: VaultSecretProviderOptions) {
    super(options);
    let url: URL;
    try {
      url = new URL(options.address);
    } catch {
      throw new RvError('RV_CONFIG_INVALID', `secrets.vault_address ${JSON.stringify(options.address)} is not a URL`, { details: { field: 'secrets.vault_address' } });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RvError('RV_CONFIG_INVALID', `secrets.vault_address must be http(s), got ${url.protocol}`, { details: { field: 'secrets.vault_address' } });
    }
    const auth = options.auth;
    if (auth.method === 'token' && (typeof auth.token !== 'string' || auth.token === '')) {
      throw new RvError('RV_CONFIG_INVALID', 'Vault token auth needs secrets.vault_token', { details: { field: 'secrets.vault_token' } });
    }
    if (auth.method === 'approle' && (!auth.roleId || !auth.secretId)) {
      throw new RvError('RV_CONFIG_INVALID', 'Vault AppRole auth needs secrets.vault_role_id and secrets.vault_secret_id', { details: { field: 'secrets.vault_role_id' } });
    }
    this.address = url.toString().replace(/\/+$/, '');
    this.mount = trimSlashes(options.mount ?? 'secret');
    this.path = trimSlashes(options.path ?? 'ruvector');
    this.auth = auth;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.clock = options.now ?? Date.now;
    this.runOutbound = options.runOutbound ?? runDirectly;
    if (auth.method === 'token') this.token = { token: auth.token, expiresAt: Infinity };
  }

  describe(name: string): string {
    return `field "${name}" of Vault secret ${this.mount}/${this.path} at ${this.address}`;
  }

  protected async read(name: string): Promise<string | undefined> {
    const data = await this.readSecret(true);
    const value = data?.[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') {
      throw new RvError('RV_SECRET_PROVIDER_UNAVAILABLE', `${this.describe(name)} is not a string`, { details: { name } });
    }
    return value;
  }

  /** The secret's fields, or undefined when the secret does not exist (404). */
  private async readSecret(retryOnForbidden: boolean): Promise<Record<string, unknown> | undefined> {
    const token = await this.currentToken();
    const url = `${this.address}/v1/${this.mount}/data/${this.path}`;
    const response = await this.request(url, { method: 'GET', headers: { 'X-Vault-Token': token.token } });
    if (response.status === 404) return undefined;
    if (response.status === 403 && retryOnForbidden && this.auth.method === 'approle') {
      this.token = undefined; // the token may have been revoked: log in again, once
      return this.readSecret(false);
    }
    if (response.status === 401 || response.status === 403) {
      throw new RvError('RV_SECRET_ACCESS_DENIED', `Vault refused to read ${this.mount}/${this.path} (HTTP ${response.status}): check the token's policy`,
        { details: { status: response.status } });
    }
    const body = this.okBody(response, url);
    const data = (body as { data?: { data?: unknown } }).data?.data;
    if (typeof data !== 'object' || data === null) {
      throw new RvError('RV_SECRET_PROVIDER_UNAVAILABLE', `Vault answered ${url} without data.data: is ${this.mount} a KV version 2 mount?`, { details: { url } });
    }
    return data as Record<string, unknown>;
  }

  private async currentToken(): Promise<VaultToken> {
    if (this.token !== undefined && this.clock() < this.token.expiresAt - RENEW_MARGIN_MS) return this.token;
    this.login ??= this.approleLogin().finally(() => { this.login = undefined; });
    this.token = await this.login;
    return this.token;
  }

  private async approleLogin(): Promise<VaultToken> {
    if (this.auth.method !== 'approle') throw new RvError('RV_INTERNAL', 'static Vault token has no login');
    const url = `${this.address}/v1/auth/approle/login`;
    const response = await this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ role_id: this.auth.roleId, secret_id: this.auth.secretId }),
    });
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      throw new RvError('RV_SECRET_ACCESS_DENIED', `Vault AppRole login refused (HTTP ${response.status}): check secrets.vault_role_id and secrets.vault_secret_id`,
        { details: { status: response.status } });
    }
    const body = this.okBody(response, url) as { auth?: { client_token?: unknown; lease_duration?: unknown } };
    const token = body.auth?.client_token;
    if (typeof token !== 'string' || token === '') {
      throw new RvError('RV_SECRET_PROVIDER_UNAVAILABLE', 'Vault AppRole login answered without auth.client_token', { details: { url } });
    }
    const leaseSeconds = typeof body.auth?.lease_duration === 'number' ? body.auth.lease_duration : 0;
    return { token, expiresAt: leaseSeconds > 0 ? this.clock() + leaseSeconds * 1000 : Infinity };
  }

  /** One HTTP exchange under `runOutbound`; throws only when Vault fails (see the header). */
  private request(url: string, init: RequestInit): Promise<VaultAnswer> {
    const pathname = new URL(url).pathname;
    return this.runOutbound(async (signal) => {
      let response: Response;
      try {
        response = await fetch(url, { ...init, signal: AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)]), redirect: 'error' });
      } catch (cause) {
        const timedOut = (cause as Error).name === 'TimeoutError';
        throw new RvError('RV_SECRET_PROVIDER_UNAVAILABLE',
          timedOut ? `Vault did not answer ${pathname} within ${this.timeoutMs} ms (secrets.vault_timeout_ms)` : `cannot reach Vault at ${this.address}: ${(cause as Error).message}`,
          { cause, details: { address: this.address, timeoutMs: this.timeoutMs } });
      }
      if (!response.ok) {
        await response.body?.cancel();
        // 5xx (Vault sealed, standby, overloaded) and 429 are Vault failing: retried and counted by a breaker.
        if (response.status >= 500 || response.status === 429) {
          throw new RvError('RV_SECRET_PROVIDER_UNAVAILABLE', `Vault answered ${pathname} with HTTP ${response.status}`, { details: { status: response.status } });
        }
        return { status: response.status, ok: false, body: undefined };
      }
      try {
        return { status: response.status, ok: true, body: await response.json() as unknown };
      } catch (cause) {
        throw new RvError('RV_SECRET_PROVIDER_UNAVAILABLE', `Vault answered ${pathname} with a body that is not JSON`, { cause });
      }
    });
  }

  /** The body of a 2xx answer; any other answer left unhandled by the caller is an error. */
  private okBody(response: VaultAnswer, url: string): unknown {
    if (!response.ok) {
      throw new RvError('RV_SECRET_PROVIDER_UNAVAILABLE', `Vault answered ${new URL(url).pathname} with HTTP ${response.status}`, { details: { status: response.status } });
    }
    return response.body;
  }
}
