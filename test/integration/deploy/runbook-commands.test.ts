// The runbooks only tell operators to run things that exist: every `ruvector <command>` and every
// `METHOD /path` on a line not marked *planned* is a real CLI command or a route of the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../../src/cli/run-cli.js';
import { startServer } from '../server/helpers.js';
import { RUNBOOKS_DIR } from './deploy-helpers.js';

/** Upper-case placeholders in the runbooks → the server's route parameters. */
const PLACEHOLDERS: Record<string, string> = { NAME: ':collection_name', SNAPSHOT: ':snapshot_name', ID: ':id', FIELD: ':field_name' };

test('runbook commands and endpoints not marked planned exist', async (t) => {
  const { app } = await startServer(t);
  await app.ready();
  const commands = new Set(COMMANDS.map((c) => c.name));
  const problems: string[] = [];
  let checked = 0;
  for (const file of readdirSync(RUNBOOKS_DIR).filter((f) => f.endsWith('.md'))) {
    const lines = readFileSync(join(RUNBOOKS_DIR, file), 'utf8').split('\n');
    lines.forEach((line, index) => {
      if (/planned/i.test(line)) return;
      const where = `${file}:${index + 1}`;
      for (const match of line.matchAll(/`ruvector ([a-z][a-z-]*)/g)) {
        checked += 1;
        if (!commands.has(match[1])) problems.push(`${where}: ruvector ${match[1]} is not a CLI command`);
      }
      for (const match of line.matchAll(/`(GET|PUT|POST|PATCH|DELETE) (\/[^\s`]*)/g)) {
        checked += 1;
        const url = match[2].split('/').map((part) => PLACEHOLDERS[part] ?? part).join('/');
        if (!app.hasRoute({ method: match[1] as 'GET', url })) problems.push(`${where}: ${match[1]} ${match[2]} is not a route`);
      }
    });
  }
  assert.deepEqual(problems, []);
  assert.ok(checked >= 10, `${checked} commands and endpoints checked`);
});
