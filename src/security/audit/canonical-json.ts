/**
 * Canonical JSON for hashing audit entries: object keys sorted by UTF-16 code units, no
 * whitespace, numbers and strings as JSON.stringify writes them — RFC 8785 (JCS) for the value
 * domain audit entries use (strings, finite numbers, booleans, null, flat objects).
 *
 * Hand-written (20 lines) because the packages that do this are only transitive dependencies
 * here, and the hash of every entry depends on this exact output: it must never change with a
 * library upgrade.
 */

export type CanonicalValue = string | number | boolean | null | readonly CanonicalValue[] | { readonly [key: string]: CanonicalValue };

/** The canonical text of `value`; throws on a non-finite number (it has no JSON form). */
export function canonicalJson(value: CanonicalValue): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON: ${value} is not a finite number`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${(value as readonly CanonicalValue[]).map(canonicalJson).join(',')}]`;
  const object = value as { readonly [key: string]: CanonicalValue };
  const keys = Object.keys(object).filter((key) => object[key] !== undefined).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`).join(',')}}`;
}
