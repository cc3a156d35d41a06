/**
 * Collection name patterns in grants and key scopes: `*` matches any run of characters,
 * everything else is literal (`docs*`, `*-prod`, `*`). Patterns are validated where they enter
 * (config, admin API, CLI) so matching never sees a malformed one.
 */
import { RvError } from '../../errors.js';

const PATTERN_SYNTAX = /^[A-Za-z0-9_.*-]{1,255}$/;

/** Throws RV_INVALID_ARGUMENT naming `field` unless `pattern` is a valid collection pattern. */
export function validateCollectionPattern(pattern: unknown, field: string): string {
  if (typeof pattern !== 'string' || !PATTERN_SYNTAX.test(pattern)) {
    throw new RvError('RV_INVALID_ARGUMENT', `${field} must be a collection name pattern of 1-255 characters from [A-Za-z0-9_.-] and '*' wildcards, got ${JSON.stringify(pattern)}`, { details: { field } });
  }
  return pattern;
}

/** Whether `name` matches `pattern` (`*` = any run of characters). */
export function matchesCollectionPattern(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*')) return pattern === name;
  const parts = pattern.split('*');
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!name.startsWith(first) || name.length < first.length + last.length || !name.endsWith(last)) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = name.indexOf(parts[i], at);
    if (found < 0 || found + parts[i].length > end) return false;
    at = found + parts[i].length;
  }
  return true;
}

/** Whether any of `patterns` matches `name`. */
export function matchesAnyPattern(patterns: readonly string[], name: string): boolean {
  return patterns.some((pattern) => matchesCollectionPattern(pattern, name));
}
