import type { CliIo } from '../io.js';

/** One `ruvector <name>` command. */
export interface Command {
  name: string;
  /** One line for `ruvector --help`. */
  summary: string;
  /** The full text of `ruvector <name> --help`. */
  help: string;
  /** Resolves when the command is done; throws an RvError whose kind picks the exit code. */
  run(args: string[], io: CliIo): Promise<void>;
}
