// Every error code thrown in src/ is registered in errors.ts and documented in docs/errors.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, RvError } from '../../src/errors.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

test('every RV_ code used in src/ is registered', () => {
  const unknown = new Set<string>();
  for (const file of walk(join(root, 'src'))) {
    for (const [code] of readFileSync(file, 'utf8').matchAll(/\bRV_[A-Z0-9_]+\b/g)) {
      if (!(code in ERROR_CODES)) unknown.add(`${code} (${file})`);
    }
  }
  assert.deepEqual([...unknown], []);
});

test('every registered code is documented in docs/errors.md with its kind', () => {
  const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  const missing = Object.entries(ERROR_CODES)
    .filter(([code, { kind }]) => !new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${kind}\\s*\\|`).test(doc))
    .map(([code]) => code);
  assert.deepEqual(missing, []);
});

test('RvError carries code, kind, retryable and cause', () => {
  const cause = new Error('disk');
  const error = new RvError('RV_STORAGE_IO', 'write failed', { cause, details: { path: '/x' } });
  assert.equal(error.kind, 'unavailable');
  assert.equal(error.retryable, true);
  assert.equal(error.cause, cause);
  assert.deepEqual(error.details, { path: '/x' });
  assert.equal(new RvError('RV_POINT_DIMENSION', 'x').retryable, false);
});
