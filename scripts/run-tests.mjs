// Runs node:test over every test/**/*.test.ts file through tsx (Node 20's --test takes no
// globs). Extra arguments are path filters: `npm test -- test/unit/core`.
//
// Two phases: most files run two at a time; then the suites that measure timing or run many
// processes (the NATS cluster, the event-loop stall test, SIGTERM under load) run one at a
// time, so neither starves the other of this machine's two cores.
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
const SERIAL = ['test/integration/cluster/', 'test/unit/engine/event-loop.test.ts', 'test/integration/cli/graceful-shutdown.test.ts'];
const isSerial = (file) => SERIAL.some((p) => file.startsWith(p));
const concurrency = process.env.RUVECTOR_TEST_CONCURRENCY ?? '2';
let status = 0;
for (const [phase, phaseConcurrency] of [[files.filter((f) => !isSerial(f)), concurrency], [files.filter(isSerial), '1']]) {
  if (phase.length === 0) continue;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${phaseConcurrency}`, ...phase], { stdio: 'inherit' });
  status = Math.max(status, result.status ?? 1);
}
process.exit(status);
