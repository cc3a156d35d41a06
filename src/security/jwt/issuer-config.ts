/**
 * Trusted JWT issuers, from the JSON file named by `auth.jwt_issuers_file`:
 *
 *   { "issuers": [
 *     { "issuer": "https://idp.example.com/", "audience": "ruvector",
 *       "jwks_url": "https://idp.example.com/.well-known/jwks.json", "algorithms": ["RS256"] },
 *     { "issuer": "ci", "audience": "ruvector", "algorithms": ["HS256"], "secret_env": "CI_JWT_SECRET" },
 *     { "issuer": "edge", "algorithms": ["EdDSA"], "public_key_file": "/etc/ruvector/edge.pem" } ] }
 *
 * Each issuer names exactly one key source: a JWKS URL (refreshed on an interval and on an
 * unknown `kid`, rate-limited), a PEM public key file (SPKI), or an HMAC secret from an
 * environment variable or a file. Claims map to roles (`roles_claim`, default `roles`) and
 * collection scopes (`collections_claim`, default `collections`); Qdrant's `access` claim is
 * understood too (see claims.ts).
 */
import { RvError } from '../../errors.js';

export const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256', 'EdDSA'] as const;
export type JwtAlgorithm = typeof JWT_ALGORITHMS[number];

export interface IssuerConfig {
  issuer: string;
  audience?: string;
  algorithms: JwtAlgorithm[];
  jwks_url?: string;
  public_key_file?: string;
  secret_env?: string;
  secret_file?: string;
  roles_claim: string;
  collections_claim: string;
}

const FIELDS = ['issuer', 'audience', 'algorithms', 'jwks_url', 'public_key_file', 'secret_env', 'secret_file', 'roles_claim', 'collections_claim'];
export const MAX_ISSUERS = 32;

/** Validates the issuers file's JSON; errors name the field. */
export function parseIssuers(input: unknown, source: string): IssuerConfig[] {
  const list = (input as { issuers?: unknown } | null)?.issuers;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ISSUERS) throw invalid(source, 'issuers', `must be a list of 1-${MAX_ISSUERS} issuers`);
  const seen = new Set<string>();
  return list.map((item, i) => {
    const at = `issuers[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalid(source, at, 'must be an object');
    const value = item as Record<string, unknown>;
    for (const key of Object.keys(value)) if (!FIELDS.includes(key)) throw invalid(source, `${at}.${key}`, `is not an issuer field (${FIELDS.join(', ')})`);
    const str = (key: string, required: boolean): string | undefined => {
      const v = value[key];
      if (v === undefined && !required) return undefined;
      if (typeof v !== 'string' || v.length === 0 || v.length > 2048) throw invalid(source, `${at}.${key}`, 'must be a non-empty string of at most 2048 characters');
      return v;
    };
    const issuer = str('issuer', true)!;
    if (seen.has(issuer)) throw invalid(source, `${at}.issuer`, `repeats issuer ${JSON.stringify(issuer)}`);
    seen.add(issuer);
    const algorithms = value.algorithms;
    if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every((a) => (JWT_ALGORITHMS as readonly unknown[]).includes(a))) {
      throw invalid(source, `${at}.algorithms`, `must list one or more of ${JWT_ALGORITHMS.join(', ')}`);
    }
    const sources = ['jwks_url', 'public_key_file', 'secret_env', 'secret_file'].filter((k) => value[k] !== undefined);
    if (sources.length !== 1) throw invalid(source, at, 'must name exactly one key source: jwks_url, public_key_file, secret_env or secret_file');
    const hmac = value.secret_env !== undefined || value.secret_file !== undefined;
    if (hmac !== algorithms.every((a) => a === 'HS256')) throw invalid(source, `${at}.algorithms`, 'HS256 goes with secret_env/secret_file, and only HS256 does');
    const jwksUrl = str('jwks_url', false);
    if (jwksUrl !== undefined && !/^https?:\/\//.test(jwksUrl)) throw invalid(source, `${at}.jwks_url`, 'must be an http(s) URL');
    const config: IssuerConfig = {
      issuer,
      algorithms: algorithms as JwtAlgorithm[],
      roles_claim: str('roles_claim', false) ?? 'roles',
      collections_claim: str('collections_claim', false) ?? 'collections',
    };
    const audience = str('audience', false);
    if (audience !== undefined) config.audience = audience;
    if (jwksUrl !== undefined) config.jwks_url = jwksUrl;
    for (const key of ['public_key_file', 'secret_env', 'secret_file'] as const) {
      const v = str(key, false);
      if (v !== undefined) config[key] = v;
    }
    return config;
  });
}

function invalid(source: string, field: string, message: string): RvError {
  return new RvError('RV_CONFIG_INVALID', `${source}: ${field} ${message}`, { details: { field, file: source } });
}
