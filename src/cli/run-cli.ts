/**
 * Dispatches `ruvector <command> …`, prints errors as one line on stderr and returns the exit
 * code from the one kind → code table (exit-codes.ts).
 */
import { isRvError, RvError } from '../errors.js';
import { auditCommand } from './commands/audit.js';
import { collectionsCommand } from './commands/collections.js';
import type { Command } from './commands/command.js';
import { exportCommand } from './commands/export.js';
import { importCommand } from './commands/import.js';
import { searchCommand } from './commands/search.js';
import { serveCommand } from './commands/serve.js';
import { backupCommand } from './commands/backup.js';
import { keysCommand } from './commands/keys.js';
import { certsCommand } from './commands/certs.js';
import { EXIT_OK, exitCodeFor } from './exit-codes.js';
import type { CliIo } from './io.js';
import { RemoteError } from './target/remote-error.js';
import { ruvectorVersion } from './version.js';

export const COMMANDS: readonly Command[] = [serveCommand, collectionsCommand, importCommand, exportCommand, searchCommand, auditCommand, backupCommand, keysCommand, certsCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: ruvector <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`ruvector <command> --help\` for a command's options.
Exit codes: 0 ok, 1 internal, 2 invalid argument, 3 not found, 4 exists/conflict,
5 unauthenticated/forbidden, 6 unavailable/rate limited/timeout, 7 corrupted (docs/errors.md).
`;
}

function isHelp(arg: string | undefined): boolean {
  return arg === '--help' || arg === '-h' || arg === 'help';
}

/**
 * Runs one command line and returns its exit code (never throws).
 * @example
 *   process.exitCode = await runCli(['collections', 'list'], processIo());
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || isHelp(name)) {
    (name === undefined ? io.stderr : io.stdout).write(usage());
    return name === undefined ? exitCodeFor(new RvError('RV_INVALID_ARGUMENT', 'no command')) : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${ruvectorVersion()}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (command === undefined) throw new RvError('RV_INVALID_ARGUMENT', `unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.name).join(', ')} (see: ruvector --help)`);
    if (args.some((arg) => arg === '--help' || arg === '-h')) {
      io.stdout.write(`${command.help}\n`);
      return EXIT_OK;
    }
    await command.run(args, io);
    return EXIT_OK;
  } catch (error) {
    // A remote error without a code this build knows is labelled by the server's code or its kind.
    const label = error instanceof RemoteError ? (error.serverCode ?? error.kind) : isRvError(error) ? error.code : undefined;
    const code = label === undefined ? '' : ` [${label}]`;
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`ruvector${command === undefined ? '' : ` ${command.name}`}: ${message}${code}\n`);
    if (!isRvError(error) && error instanceof Error && error.stack !== undefined) io.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}
