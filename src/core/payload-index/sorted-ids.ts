/**
 * Sets of internal ids as sorted, duplicate-free arrays: `number[]` for the mutable
 * posting lists inside an index (ids mostly arrive in increasing order, so insertion is
 * usually an append), `Uint32Array` for query results.
 */

/** Index of the first element ≥ `id` in a sorted array. */
function lowerBound(list: ArrayLike<number>, id: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (list[mid] < id) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Adds `id` to a sorted posting list; false when it was already there. */
export function insertSorted(list: number[], id: number): boolean {
  const length = list.length;
  if (length === 0 || list[length - 1] < id) {
    list.push(id);
    return true;
  }
  const at = lowerBound(list, id);
  if (list[at] === id) return false;
  list.splice(at, 0, id);
  return true;
}

/** Removes `id` from a sorted posting list; false when it was not there. */
export function removeSorted(list: number[], id: number): boolean {
  const at = lowerBound(list, id);
  if (at >= list.length || list[at] !== id) return false;
  list.splice(at, 1);
  return true;
}

export function containsSorted(list: ArrayLike<number>, id: number): boolean {
  const at = lowerBound(list, id);
  return at < list.length && list[at] === id;
}

/** The ids sorted, duplicates removed. */
export function sortUnique(ids: ArrayLike<number>): Uint32Array {
  const sorted = Uint32Array.from(ids).sort();
  let write = 0;
  for (let read = 0; read < sorted.length; read++) {
    if (read === 0 || sorted[read] !== sorted[read - 1]) sorted[write++] = sorted[read];
  }
  return sorted.subarray(0, write);
}

/** Union of sorted id lists. */
export function unionSorted(lists: readonly ArrayLike<number>[]): Uint32Array {
  if (lists.length === 1) return Uint32Array.from(lists[0]);
  let total = 0;
  for (const list of lists) total += list.length;
  const all = new Uint32Array(total);
  let offset = 0;
  for (const list of lists) {
    all.set(list, offset);
    offset += list.length;
  }
  return sortUnique(all);
}

/** Intersection of two sorted id sets; probes the larger by binary search when sizes differ a lot. */
export function intersectSorted(a: Uint32Array, b: Uint32Array): Uint32Array {
  const [small, large] = a.length <= b.length ? [a, b] : [b, a];
  const out = new Uint32Array(small.length);
  let count = 0;
  if (small.length * 16 < large.length) {
    for (const id of small) if (containsSorted(large, id)) out[count++] = id;
  } else {
    let i = 0;
    let j = 0;
    while (i < small.length && j < large.length) {
      if (small[i] < large[j]) i++;
      else if (small[i] > large[j]) j++;
      else {
        out[count++] = small[i];
        i++;
        j++;
      }
    }
  }
  return out.subarray(0, count);
}

/** Ids that occur in at least `minCount` of the sets (each set duplicate-free). */
export function atLeastSorted(sets: readonly Uint32Array[], minCount: number): Uint32Array {
  if (minCount <= 1) return unionSorted(sets);
  let total = 0;
  for (const set of sets) total += set.length;
  const all = new Uint32Array(total);
  let offset = 0;
  for (const set of sets) {
    all.set(set, offset);
    offset += set.length;
  }
  all.sort();
  const out = new Uint32Array(total);
  let count = 0;
  for (let start = 0; start < all.length; ) {
    let end = start + 1;
    while (end < all.length && all[end] === all[start]) end++;
    if (end - start >= minCount) out[count++] = all[start];
    start = end;
  }
  return out.subarray(0, count);
}

/**
 * A growable bitset of internal ids: which points an index holds, one bit per id, so
 * `points` counts stay exact at 1/8 byte per point.
 */
export class IdBitset {
  private words = new Uint32Array(64);
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    const word = id >>> 5;
    return word < this.words.length && (this.words[word] & (1 << (id & 31))) !== 0;
  }

  /** Sets the bit; false when it was already set. */
  add(id: number): boolean {
    const word = id >>> 5;
    if (word >= this.words.length) {
      let length = this.words.length;
      while (length <= word) length *= 2;
      const grown = new Uint32Array(length);
      grown.set(this.words);
      this.words = grown;
    }
    const bit = 1 << (id & 31);
    if ((this.words[word] & bit) !== 0) return false;
    this.words[word] |= bit;
    this.count++;
    return true;
  }

  /** Clears the bit; false when it was not set. */
  delete(id: number): boolean {
    if (!this.has(id)) return false;
    this.words[id >>> 5] &= ~(1 << (id & 31));
    this.count--;
    return true;
  }
}
