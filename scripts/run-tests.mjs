// Runs node:test over every test/**/*.test.ts file through tsx (Node 20's --test takes no
// globs). Extra arguments are path filters: `npm test -- test/unit/core`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function* walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (path.endsWith('.test.ts')) yield path;
  }
}

const filters = process.argv.slice(2);
const files = [...walk('test')].filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p) || f.includes(p)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const concurrency = process.env.RUVECTOR_TEST_CONCURRENCY ?? '2';
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
