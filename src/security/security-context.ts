/**
 * Everything the server needs to authenticate and authorize, built in one place from the
 * configured keys, the data directory's stored keys and roles, and the JWT issuers file.
 * With no data directory (tests, embedded use) stored keys and roles live in memory.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RvError } from '../errors.js';
import { Authenticator } from './authenticator.js';
import { parseIssuers } from './jwt/issuer-config.js';
import { JwtVerifier, type JwtVerifierOptions } from './jwt/jwt-verifier.js';
import { KeyStore } from './keys/key-store.js';
import { Authorizer } from './rbac/authorizer.js';
import { RoleRegistry } from './rbac/role-registry.js';

export interface SecurityContext {
  authenticator: Authenticator;
  authorizer: Authorizer;
  keyStore: KeyStore;
  roles: RoleRegistry;
}

export interface SecurityOptions {
  apiKey?: string;
  readOnlyApiKey?: string;
  verifyBootstrapKey?: (presented: string) => Promise<boolean>;
  /** Keeps `keys.json` and `roles.json` in `<dataDir>/.auth`; none: in memory. */
  dataDir?: string;
  /** JSON file with `{ "roles": [...] }`: roles defined by configuration. */
  rolesFile?: string;
  /** JSON file with `{ "issuers": [...] }` (see jwt/issuer-config.ts). */
  jwtIssuersFile?: string;
  jwt?: Omit<JwtVerifierOptions, 'issuers'>;
}

export const AUTH_DIR = '.auth';

async function readJsonFile(file: string, field: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new RvError('RV_CONFIG_INVALID', `${field}: cannot read ${file}: ${(cause as Error).message}`, { cause, details: { field } });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new RvError('RV_CONFIG_INVALID', `${field}: ${file} is not valid JSON: ${(cause as Error).message}`, { cause, details: { field } });
  }
}

export async function createSecurityContext(options: SecurityOptions): Promise<SecurityContext> {
  let configRoles: unknown[] = [];
  if (options.rolesFile !== undefined) {
    const parsed = await readJsonFile(options.rolesFile, 'auth.roles_file') as { roles?: unknown };
    if (!Array.isArray(parsed.roles)) throw new RvError('RV_CONFIG_INVALID', `auth.roles_file: ${options.rolesFile} must hold { "roles": [...] }`, { details: { field: 'auth.roles_file' } });
    configRoles = parsed.roles;
  }
  const authDir = options.dataDir === undefined ? undefined : join(options.dataDir, AUTH_DIR);
  const roles = await RoleRegistry.open({ configRoles, ...(authDir === undefined ? {} : { file: join(authDir, 'roles.json') }) });
  const keyStore = await KeyStore.open({ roleExists: (name) => roles.has(name), ...(authDir === undefined ? {} : { file: join(authDir, 'keys.json') }) });
  let jwt: JwtVerifier | undefined;
  if (options.jwtIssuersFile !== undefined) {
    const issuers = parseIssuers(await readJsonFile(options.jwtIssuersFile, 'auth.jwt_issuers_file'), options.jwtIssuersFile);
    jwt = await JwtVerifier.create({ ...options.jwt, issuers });
  }
  const authenticator = new Authenticator({
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    ...(options.readOnlyApiKey === undefined ? {} : { readOnlyApiKey: options.readOnlyApiKey }),
    ...(options.verifyBootstrapKey === undefined ? {} : { verifyBootstrapKey: options.verifyBootstrapKey }),
    keyStore,
    ...(jwt === undefined ? {} : { jwt }),
  });
  return { authenticator, authorizer: new Authorizer(roles), keyStore, roles };
}
