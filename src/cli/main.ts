/** Entry point of the `ruvector` command (bin/ruvector.js runs the compiled copy of this file). */
import { processIo } from './io.js';
import { runCli } from './run-cli.js';

const code = await runCli(process.argv.slice(2), processIo());
// Exit explicitly: background timers (index linking, keep-alive sockets) must not keep a
// finished command alive. On Linux, writes to files, pipes and TTYs are synchronous; elsewhere
// wait for stdout to drain first.
process.exitCode = code;
if (process.stdout.writableNeedDrain) process.stdout.once('drain', () => process.exit(code));
else process.exit(code);
