// The runbooks only tell operators to run things that exist: every `ruvector <command> [sub]
// [--flag…]` and every `METHOD /path` is a real CLI command (its
// subcommand and flags in that command's help) or a route of a server with every optional
// feature on (audit trail, backups), as `ruvector serve` runs it with `[audit]` and `backup.target`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Database } from '../../../src/index.js';
import { BackupService, openBackupTarget } from '../../../src/backup/index.js';
import { COMMANDS } from '../../../src/cli/run-cli.js';
import { AuditLog } from '../../../src/security/audit/index.js';
import { createServer } from '../../../src/server/index.js';
import { deferrer, tempDir } from '../server/helpers.js';
import { RUNBOOKS_DIR } from './deploy-helpers.js';

/** Upper-case placeholders in the runbooks → the server's route parameters. */
const PLACEHOLDERS: Record<string, string> = { NAME: ':collection_name', SNAPSHOT: ':snapshot_name', ID: ':id', FIELD: ':field_name' };

test('every runbook command and endpoint exists', async (t) => {
  const defer = deferrer(t); // server, then backups and audit, then database, then the directory
  const dir = tempDir(defer, 'rv-runbooks-');
  const db = await Database.open({ path: join(dir, 'data'), retainOpsForBackup: true });
  defer(() => db.close());
  const audit = await AuditLog.open({ dir: join(dir, 'audit') });
  defer(() => audit.close());
  const backups = new BackupService({ db, target: openBackupTarget(pathToFileURL(join(dir, 'backups')).href), retention: { retentionDays: 7, retentionCount: 0 } });
  defer(() => backups.close());
  const server = await createServer(db, { host: '127.0.0.1', port: 0, authDisabled: true, logger: false, version: '0.1.0-test', audit, backups });
  defer(() => server.close());
  const app = server.app;
  await app.ready();

  const commands = new Map(COMMANDS.map((c) => [c.name, c]));
  const problems: string[] = [];
  let checked = 0;
  for (const file of readdirSync(RUNBOOKS_DIR).filter((f) => f.endsWith('.md'))) {
    const lines = readFileSync(join(RUNBOOKS_DIR, file), 'utf8').split('\n');
    lines.forEach((line, index) => {
      const where = `${file}:${index + 1}`;
      // The command, then the rest of the code span (to the line's end when it wraps).
      for (const match of line.matchAll(/`ruvector ([a-z][a-z-]*)([^`]*)/g)) {
        checked += 1;
        const command = commands.get(match[1]);
        if (command === undefined) {
          problems.push(`${where}: ruvector ${match[1]} is not a CLI command`);
          continue;
        }
        const sub = /^ ([a-z][a-z-]*)(?=\s|$)/.exec(match[2])?.[1];
        if (sub !== undefined && !command.help.includes(`ruvector ${match[1]} ${sub}`)) problems.push(`${where}: ruvector ${match[1]} ${sub} is not in its help`);
        for (const flag of match[2].matchAll(/(?<=[\s[(|])--[a-z][a-z-]*/g)) {
          if (!new RegExp(`${flag[0]}(?![a-z-])`).test(command.help)) problems.push(`${where}: ruvector ${match[1]} has no ${flag[0]} option`);
        }
      }
      for (const match of line.matchAll(/`(GET|PUT|POST|PATCH|DELETE) (\/[^\s`?]*)/g)) {
        checked += 1;
        const url = match[2].split('/').map((part) => PLACEHOLDERS[part] ?? part).join('/');
        if (!app.hasRoute({ method: match[1] as 'GET', url })) problems.push(`${where}: ${match[1]} ${match[2]} is not a route`);
      }
    });
  }
  assert.deepEqual(problems, []);
  assert.ok(checked >= 30, `${checked} commands and endpoints checked`);
});
