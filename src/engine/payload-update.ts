/**
 * Qdrant's `set_payload` with `key`: merges the given payload into the object found at a
 * dotted path (`a.b`), creating objects along the way; `a[]` applies to every element of
 * the array `a`, `a[1]` to one element.
 */
import { RvError } from '../errors.js';
import type { Payload } from '../core/types.js';

type Segment = { kind: 'key'; name: string } | { kind: 'all' } | { kind: 'index'; index: number };

function parseKey(key: string): Segment[] {
  const segments: Segment[] = [];
  for (const part of key.split('.')) {
    const match = /^([^[\]]*)((?:\[\d*\])*)$/.exec(part);
    if (match === null || (match[1] === '' && match[2] === '')) {
      throw new RvError('RV_INVALID_ARGUMENT', `key: "${key}" is not a valid payload path`, { details: { field: 'key' } });
    }
    if (match[1] !== '') segments.push({ kind: 'key', name: match[1] });
    for (const bracket of match[2].match(/\[\d*\]/g) ?? []) {
      segments.push(bracket === '[]' ? { kind: 'all' } : { kind: 'index', index: Number(bracket.slice(1, -1)) });
    }
  }
  return segments;
}

function mergeInto(node: unknown, segments: Segment[], payload: Payload): unknown {
  if (segments.length === 0) {
    const base = typeof node === 'object' && node !== null && !Array.isArray(node) ? node as Record<string, unknown> : {};
    return { ...base, ...structuredClone(payload) };
  }
  const [head, ...rest] = segments;
  if (head.kind === 'key') {
    const obj = typeof node === 'object' && node !== null && !Array.isArray(node) ? { ...(node as Record<string, unknown>) } : {};
    obj[head.name] = mergeInto(obj[head.name], rest, payload);
    return obj;
  }
  if (!Array.isArray(node)) return node;
  if (head.kind === 'all') return node.map((element) => mergeInto(element, rest, payload));
  if (head.index >= node.length) return node;
  const copy = node.slice();
  copy[head.index] = mergeInto(copy[head.index], rest, payload);
  return copy;
}

export function setPayloadAtKey(current: Payload, key: string, payload: Payload): Payload {
  return mergeInto(current, parseKey(key), payload) as Payload;
}
