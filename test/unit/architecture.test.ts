// Enforces the layer directions of ARCHITECTURE.md by reading every import in src/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const srcRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Which layers each layer may import (besides itself and errors.ts). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  storage: [],
  observability: ['config'],
  config: [],
  security: ['config', 'observability', 'storage'],
  reliability: ['config', 'observability'],
  engine: ['core', 'storage', 'security', 'observability', 'reliability', 'config'],
  cluster: ['engine', 'core', 'storage', 'security', 'observability', 'reliability', 'config'],
  backup: ['engine', 'storage', 'security', 'observability', 'reliability', 'config'],
  compliance: ['engine', 'core', 'security', 'observability', 'config'],
  console: [],
  server: ['engine', 'core', 'cluster', 'backup', 'compliance', 'console', 'security', 'observability', 'reliability', 'config'],
  cli: ['*'],
  '.': ['*'], // main.ts and index.ts: the composition root and the public library entry
};

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

function layerOf(file: string): string {
  const rel = relative(srcRoot, file);
  return rel.includes(sep) ? rel.split(sep)[0] : '.';
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

test('every import in src/ points down the layer diagram', () => {
  const violations: string[] = [];
  for (const file of walk(srcRoot)) {
    const layer = layerOf(file);
    const allowed = ALLOWED[layer];
    assert.ok(allowed, `unknown layer folder "${layer}" (add it to ARCHITECTURE.md and this table)`);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT_RE)) {
      const spec = match[1] ?? match[2];
      if (layer === 'core' && !spec.startsWith('.')) {
        violations.push(`${relative(srcRoot, file)}: core/ is pure, imports "${spec}"`);
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      const targetRel = relative(srcRoot, target);
      if (targetRel === 'errors.js' || targetRel === 'errors.ts') continue;
      const targetLayer = targetRel.includes(sep) ? targetRel.split(sep)[0] : '.';
      if (targetLayer === layer || allowed.includes('*') || allowed.includes(targetLayer)) continue;
      violations.push(`${relative(srcRoot, file)} (${layer}) imports ${targetRel} (${targetLayer})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('fastify is imported only by server/, the NATS client only by cluster/', () => {
  const violations: string[] = [];
  for (const file of walk(srcRoot)) {
    const text = readFileSync(file, 'utf8');
    const layer = layerOf(file);
    if (/from\s+['"](fastify|@fastify\/[^'"]+)['"]/.test(text) && layer !== 'server') violations.push(`${relative(srcRoot, file)} imports fastify`);
    if (/from\s+['"](nats|@nats-io\/[^'"]+)['"]/.test(text) && layer !== 'cluster') violations.push(`${relative(srcRoot, file)} imports nats`);
  }
  assert.deepEqual(violations, []);
});
