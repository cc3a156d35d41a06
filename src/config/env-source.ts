/**
 * The environment layer: `RUVECTOR__SECTION__KEY=value` (double underscores, as Qdrant's
 * `QDRANT__SECTION__KEY`). Variables with a single underscore after RUVECTOR (`RUVECTOR_API_KEY`,
 * `RUVECTOR_TEST_CONCURRENCY`) belong to other tools and are not config.
 */
import type { ConfigEntry } from './config-entry.js';

export const ENV_PREFIX = 'RUVECTOR__';

/** The env variable that sets `section.key`: `service.api_key` → `RUVECTOR__SERVICE__API_KEY`. */
export function envNameFor(path: string): string {
  return ENV_PREFIX + path.split('.').map((part) => part.toUpperCase()).join('__');
}

/**
 * Entries for every `RUVECTOR__…` variable, values still strings. Names are case-insensitive
 * after the prefix; a name that maps to no key is kept so the validator reports it.
 */
export function entriesFromEnv(env: Readonly<Record<string, string | undefined>>): ConfigEntry[] {
  const entries: ConfigEntry[] = [];
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).split('__').map((part) => part.toLowerCase()).join('.');
    entries.push({ path, value, source: { kind: 'env', name } });
  }
  return entries;
}
