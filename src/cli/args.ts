/** util.parseArgs with errors turned into RvErrors (exit code 2) that point at `--help`. */
import { parseArgs } from 'node:util';
import { RvError } from '../errors.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
}

export type ParsedValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]['type'] extends 'string' ? string : boolean;
};

export interface ParsedArgs<O extends Record<string, OptionSpec>> {
  values: ParsedValues<O>;
  positionals: string[];
}

/**
 * Parses `args` strictly: an unknown option or a missing option value is an error naming it.
 * @example
 *   const { values, positionals } = parseCommandArgs('search', args, { limit: { type: 'string' } });
 */
export function parseCommandArgs<O extends Record<string, OptionSpec>>(command: string, args: string[], options: O): ParsedArgs<O> {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as ParsedValues<O>, positionals };
  } catch (cause) {
    const message = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw new RvError('RV_INVALID_ARGUMENT', `${message} (see: ruvector ${command} --help)`, { cause });
  }
}

/** The value of a required option, or an error naming the flag. */
export function required(command: string, flag: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new RvError('RV_INVALID_ARGUMENT', `--${flag} is required (see: ruvector ${command} --help)`, { details: { field: flag } });
  return value;
}

/** Parses `--name N` as an integer within [min, max]. */
export function integerOption(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new RvError('RV_INVALID_ARGUMENT', `--${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`, { details: { field: flag } });
  }
  return n;
}

/** Parses a JSON option (`--vector '[0.1, 0.2]'`, `--filter '{"must": …}'`). */
export function jsonOption(flag: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (cause) {
    throw new RvError('RV_INVALID_ARGUMENT', `--${flag} is not valid JSON: ${(cause as Error).message}`, { cause, details: { field: flag } });
  }
}
