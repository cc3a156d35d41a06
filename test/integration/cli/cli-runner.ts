// Runs the CLI as users do, in a child process: `node --import tsx src/cli/main.ts …`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const entry = join(repoRoot, 'src/cli/main.ts');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment without RUVECTOR__ config variables of the machine running the tests. */
function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('RUVECTOR')) env[k] = v;
  return { ...env, ...extra };
}

export function runCli(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: options.cwd ?? repoRoot, env: cleanEnv(options.env ?? {}), timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export function spawnCli(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: options.cwd ?? repoRoot, env: cleanEnv(options.env ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A temp directory removed when the test ends. */
export function tempDir(t: { after(fn: () => void): void }, prefix = 'rv-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** JSONL text → parsed objects, sorted by id (ints and UUIDs compared as strings). */
export function parseJsonl(text: string): { id: number | string; vector: number[]; payload: Record<string, unknown> | null }[] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line)).sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

/**
 * Runs the CLI in this process with captured streams: for the many argument and input errors
 * that need no process of their own (the exit-code table is the same function either way).
 */
export async function runInProcess(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const { runCli: run } = await import('../../../src/cli/run-cli.js');
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) => ({ write: (chunk: string | Uint8Array) => { append(chunk.toString()); return true; } }) as unknown as NodeJS.WritableStream;
  const code = await run(args, { stdout: sink((s) => { stdout += s; }), stderr: sink((s) => { stderr += s; }), env });
  return { code, stdout, stderr };
}
