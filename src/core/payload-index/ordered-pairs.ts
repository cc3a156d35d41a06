/**
 * An ordered multiset of (value, id) pairs for range queries: the numeric, float and
 * datetime indexes. Kept as a list of sorted chunks of at most MAX_CHUNK pairs (a flat
 * B-tree of height one), so an insert moves at most one chunk instead of the whole array,
 * and a range is found by two binary searches.
 */
import type { RangeBounds } from '../filter/index.js';

const MAX_CHUNK = 512;

interface Chunk {
  values: number[];
  ids: number[];
}

/** Where a pair sits: chunk number and offset in it. `chunk === chunks.length` is the end. */
interface Position {
  chunk: number;
  offset: number;
}

function less(value: number, id: number, otherValue: number, otherId: number): boolean {
  return value < otherValue || (value === otherValue && id < otherId);
}

export class OrderedPairs {
  private chunks: Chunk[] = [];
  private total = 0;

  /** Number of pairs. */
  get size(): number {
    return this.total;
  }

  /** Adds (value, id); false when the pair was already present. */
  insert(value: number, id: number): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push({ values: [value], ids: [id] });
      this.total = 1;
      return true;
    }
    const chunkIndex = this.chunkFor(value, id);
    const chunk = this.chunks[chunkIndex];
    const at = this.offsetIn(chunk, value, id);
    if (at < chunk.values.length && chunk.values[at] === value && chunk.ids[at] === id) return false;
    chunk.values.splice(at, 0, value);
    chunk.ids.splice(at, 0, id);
    this.total++;
    if (chunk.values.length > MAX_CHUNK) {
      const half = chunk.values.length >> 1;
      this.chunks.splice(chunkIndex + 1, 0, { values: chunk.values.splice(half), ids: chunk.ids.splice(half) });
    }
    return true;
  }

  /** Removes (value, id); false when it was not present. */
  delete(value: number, id: number): boolean {
    if (this.chunks.length === 0) return false;
    const chunkIndex = this.chunkFor(value, id);
    const chunk = this.chunks[chunkIndex];
    const at = this.offsetIn(chunk, value, id);
    if (at >= chunk.values.length || chunk.values[at] !== value || chunk.ids[at] !== id) return false;
    chunk.values.splice(at, 1);
    chunk.ids.splice(at, 1);
    this.total--;
    if (chunk.values.length === 0) this.chunks.splice(chunkIndex, 1);
    return true;
  }

  /** Number of pairs whose value lies within `range`. */
  count(range: RangeBounds): number {
    const [start, end] = this.span(range);
    if (start.chunk > end.chunk || (start.chunk === end.chunk && start.offset >= end.offset)) return 0;
    if (start.chunk === end.chunk) return end.offset - start.offset;
    let count = this.chunks[start.chunk].values.length - start.offset;
    for (let c = start.chunk + 1; c < end.chunk; c++) count += this.chunks[c].values.length;
    if (end.chunk < this.chunks.length) count += end.offset;
    return count;
  }

  /** Appends the ids of the pairs whose value lies within `range` (unsorted, may repeat). */
  collect(range: RangeBounds, out: number[]): void {
    const [start, end] = this.span(range);
    for (let c = start.chunk; c <= end.chunk && c < this.chunks.length; c++) {
      const ids = this.chunks[c].ids;
      const from = c === start.chunk ? start.offset : 0;
      const to = c === end.chunk ? end.offset : ids.length;
      for (let i = from; i < to; i++) out.push(ids[i]);
    }
  }

  /** All pairs in order, as two parallel arrays (for `save()`). */
  toArrays(): { values: number[]; ids: number[] } {
    return {
      values: this.chunks.flatMap((chunk) => chunk.values),
      ids: this.chunks.flatMap((chunk) => chunk.ids),
    };
  }

  /** The chunk that holds (or would hold) the pair: the first whose last pair is not less. */
  private chunkFor(value: number, id: number): number {
    let low = 0;
    let high = this.chunks.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const chunk = this.chunks[mid];
      const last = chunk.values.length - 1;
      if (less(chunk.values[last], chunk.ids[last], value, id)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private offsetIn(chunk: Chunk, value: number, id: number): number {
    let low = 0;
    let high = chunk.values.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (less(chunk.values[mid], chunk.ids[mid], value, id)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The first position whose value satisfies the monotone predicate `accept`. */
  private firstWhere(accept: (value: number) => boolean): Position {
    let low = 0;
    let high = this.chunks.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const values = this.chunks[mid].values;
      if (accept(values[values.length - 1])) high = mid;
      else low = mid + 1;
    }
    if (low === this.chunks.length) return { chunk: low, offset: 0 };
    const values = this.chunks[low].values;
    let start = 0;
    let end = values.length;
    while (start < end) {
      const mid = (start + end) >>> 1;
      if (accept(values[mid])) end = mid;
      else start = mid + 1;
    }
    return { chunk: low, offset: start };
  }

  /** [start, end) positions of the pairs within `range`. */
  private span(range: RangeBounds): [Position, Position] {
    const { gt, gte, lt, lte } = range;
    const start = this.firstWhere((value) => (gt === undefined || value > gt) && (gte === undefined || value >= gte));
    const end = this.firstWhere((value) => (lt !== undefined && value >= lt) || (lte !== undefined && value > lte));
    return [start, end];
  }
}
