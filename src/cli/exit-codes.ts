/**
 * The CLI's one table from error kind to process exit code (docs/errors.md shows the same
 * table). Scripts branch on these: 3 means "not there", 4 "already there", 6 "try again later".
 */
import { isRvError, type ErrorKind } from '../errors.js';

export const EXIT_OK = 0;

export const EXIT_CODE_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid_argument: 2,
  not_found: 3,
  already_exists: 4,
  conflict: 4,
  unauthenticated: 5,
  forbidden: 5,
  rate_limited: 6,
  unavailable: 6,
  timeout: 6,
  corrupted: 7,
  internal: 1,
};

/** The exit code for anything a command threw: by kind for an RvError, 1 for anything else. */
export function exitCodeFor(error: unknown): number {
  return isRvError(error) ? EXIT_CODE_BY_KIND[error.kind] : EXIT_CODE_BY_KIND.internal;
}
