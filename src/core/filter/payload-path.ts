/**
 * Payload keys (Qdrant's JSON paths): `a.b.c`, `a[].b`, `a[2]`, `"key with.dots"`.
 *
 * Resolution follows Qdrant's `JsonPath::value_get` exactly: a `.key` step only descends
 * into objects (never implicitly through arrays; write `a[].b` for that), `[]` visits every
 * element, `[n]` one element. Arrays found at the END of the path are returned as single
 * values; the conditions then look one level into them, so `{"city": ["A", "B"]}` matches
 * `city == "B"`. `null` is a value; a missing key yields nothing.
 */
import type { PathSegment, PayloadPath } from './filter-types.js';

/** A raw (unquoted) key: Rust's `char::is_alphanumeric`, `_` or `-`, as Qdrant's parser. */
const RAW_KEY = /^[\p{Alphabetic}\p{N}_-]+$/u;
const RAW_KEY_PREFIX = /^[\p{Alphabetic}\p{N}_-]+/u;

export type ParsePathResult = { readonly ok: true; readonly path: PayloadPath } | { readonly ok: false; readonly reason: string };

/**
 * Parses a payload key. Returns the reason instead of throwing so that callers can report
 * the error with their own code and JSON path.
 * @example parsePayloadPath('country.cities[].name') // segments key, key, wildcard, key
 */
export function parsePayloadPath(text: string): ParsePathResult {
  if (text.length === 0) return { ok: false, reason: 'a key cannot be empty' };
  const segments: PathSegment[] = [];
  let rest = text;
  // The first step is always a key (Qdrant paths cannot start with `[` or `.`).
  const first = readKey(rest);
  if (first === undefined) return { ok: false, reason: 'a key must start with a name (letters, digits, "_", "-") or a "quoted name"' };
  segments.push({ kind: 'key', name: first.name });
  rest = rest.slice(first.length);
  while (rest.length > 0) {
    if (rest.startsWith('[]')) {
      segments.push({ kind: 'wildcard' });
      rest = rest.slice(2);
    } else if (rest.startsWith('[')) {
      const match = /^\[(\d+)\]/.exec(rest);
      if (match === null) return { ok: false, reason: `expected "[]" or "[<index>]" at "${rest}"` };
      const index = Number(match[1]);
      if (!Number.isSafeInteger(index)) return { ok: false, reason: `array index ${match[1]} is too large` };
      segments.push({ kind: 'index', index });
      rest = rest.slice(match[0].length);
    } else if (rest.startsWith('.')) {
      const key = readKey(rest.slice(1));
      if (key === undefined) return { ok: false, reason: `expected a name after "." at "${rest}"` };
      segments.push({ kind: 'key', name: key.name });
      rest = rest.slice(1 + key.length);
    } else {
      return { ok: false, reason: `unexpected "${rest[0]}" at "${rest}" (names may hold letters, digits, "_" and "-"; quote others)` };
    }
  }
  return { ok: true, path: { text: formatPath(segments), segments } };
}

function readKey(text: string): { name: string; length: number } | undefined {
  if (text.startsWith('"')) {
    // Qdrant's quoted keys hold any characters except `"` and `\` (no escapes).
    const end = text.indexOf('"', 1);
    if (end < 0) return undefined;
    const name = text.slice(1, end);
    if (name.includes('\\')) return undefined;
    return { name, length: end + 1 };
  }
  const match = RAW_KEY_PREFIX.exec(text);
  return match === null ? undefined : { name: match[0], length: match[0].length };
}

function formatKey(name: string): string {
  return RAW_KEY.test(name) ? name : `"${name}"`;
}

function formatPath(segments: readonly PathSegment[]): string {
  let text = '';
  for (const segment of segments) {
    if (segment.kind === 'key') text += (text.length === 0 ? '' : '.') + formatKey(segment.name);
    else if (segment.kind === 'index') text += `[${segment.index}]`;
    else text += '[]';
  }
  return text;
}

/** `path` with `[]` appended unless it already ends in `[]` (Qdrant's `array_key`). */
export function arrayKeyOf(path: PayloadPath): PayloadPath {
  const last = path.segments[path.segments.length - 1];
  if (last.kind === 'wildcard') return path;
  const segments = [...path.segments, { kind: 'wildcard' } as const];
  return { text: formatPath(segments), segments };
}

/**
 * The canonical name of `inner` seen from the top of the payload when it is evaluated
 * inside the nested array `prefix` (`prefix` = `a.b[]`, `inner` = `c` → `a.b[].c`): the
 * name under which a payload index for the inner key is registered.
 */
export function joinPathText(prefix: string, inner: PayloadPath): string {
  return prefix.length === 0 ? inner.text : `${prefix}.${inner.text}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Calls `visit` on each value found at `segments[from..]` below `value`, stopping (and
 * returning true) as soon as `visit` returns true. Own properties only, so that a key such
 * as `constructor` never resolves to something inherited from `Object.prototype`.
 */
function someAt(value: unknown, segments: readonly PathSegment[], from: number, visit: (value: unknown) => boolean): boolean {
  if (from === segments.length) return visit(value);
  const segment = segments[from];
  switch (segment.kind) {
    case 'key': {
      if (!isObject(value) || !hasOwn.call(value, segment.name)) return false;
      const next = value[segment.name];
      return next !== undefined && someAt(next, segments, from + 1, visit);
    }
    case 'index':
      return Array.isArray(value) && segment.index < value.length && someAt(value[segment.index], segments, from + 1, visit);
    case 'wildcard':
      if (!Array.isArray(value)) return false;
      for (const element of value) if (someAt(element, segments, from + 1, visit)) return true;
      return false;
  }
}

/** Visits values at a path; returns true as soon as `visit` does. */
export type PathReader = (root: Readonly<Record<string, unknown>>, visit: (value: unknown) => boolean) => boolean;

/**
 * Compiles a path into a reader. A single plain key (by far the most common filter key)
 * gets a fast path without recursion.
 */
export function compilePathReader(path: PayloadPath): PathReader {
  const segments = path.segments;
  if (segments.length === 1 && segments[0].kind === 'key') {
    const name = segments[0].name;
    return (root, visit) => {
      if (!hasOwn.call(root, name)) return false;
      const value = root[name];
      return value !== undefined && visit(value);
    };
  }
  return (root, visit) => someAt(root, segments, 0, visit);
}

/**
 * All values at `path` in `root`, in document order (Qdrant's `value_get`).
 * @example resolvePath({ a: [{ b: 1 }, { b: [2, 3] }] }, parsed('a[].b')) // [1, [2, 3]]
 */
export function resolvePath(root: Readonly<Record<string, unknown>>, path: PayloadPath): unknown[] {
  const values: unknown[] = [];
  someAt(root, path.segments, 0, (value) => {
    values.push(value);
    return false;
  });
  return values;
}

const NO_VALUES: readonly unknown[] = Object.freeze([]);

/**
 * The values at `path` with arrays found there opened one level, as payload indexes and
 * conditions see them: `{"tags": ["a", "b"]}` at `tags` → `["a", "b"]`. The result may be the
 * payload's own array: read it, never modify it.
 */
export function resolveFlatValues(root: Readonly<Record<string, unknown>>, path: PayloadPath): readonly unknown[] {
  const segments = path.segments;
  if (segments.length === 1 && segments[0].kind === 'key') {
    // The common case, without a closure or a copy: indexes call this for every write.
    const name = segments[0].name;
    const value = hasOwn.call(root, name) ? root[name] : undefined;
    if (value === undefined) return NO_VALUES;
    return Array.isArray(value) ? value : [value];
  }
  const values: unknown[] = [];
  someAt(root, path.segments, 0, (value) => {
    if (Array.isArray(value)) for (const element of value) values.push(element);
    else values.push(value);
    return false;
  });
  return values;
}
