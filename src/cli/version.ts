/** RuVector's version, read from the package.json above this file (src/ under tsx, dist/src/ when built). */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** e.g. `0.1.0`; `0.0.0` when no package.json is found. */
export function ruvectorVersion(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ruvector' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // No package.json at this level: keep walking up.
    }
    dir = dirname(dir);
  }
  return (cached = '0.0.0');
}
