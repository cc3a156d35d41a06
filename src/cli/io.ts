/** The streams and environment a command runs with (process's by default; tests may pass others). */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  /** Progress bars and the bootstrap key go here; `isTTY` decides bar versus plain lines. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: Readonly<Record<string, string | undefined>>;
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
