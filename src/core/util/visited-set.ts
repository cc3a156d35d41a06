/**
 * A visited set cleared in O(1): each search bumps a generation tag, and a slot counts as
 * visited when it holds the current tag. The array is wiped only when the tag wraps.
 */
export class VisitedSet {
  private marks: Uint16Array;
  private tag = 0;

  constructor(capacity: number) {
    this.marks = new Uint16Array(Math.max(capacity, 16));
  }

  /** Starts a new search covering ids [0, capacity). */
  reset(capacity: number): void {
    if (capacity > this.marks.length) {
      let size = this.marks.length;
      while (size < capacity) size *= 2;
      this.marks = new Uint16Array(size);
      this.tag = 0;
    }
    this.tag++;
    if (this.tag === 0x10000) {
      this.marks.fill(0);
      this.tag = 1;
    }
  }

  /** Marks `id`; returns true when it was not yet visited in this search. */
  visit(id: number): boolean {
    if (this.marks[id] === this.tag) return false;
    this.marks[id] = this.tag;
    return true;
  }

  has(id: number): boolean {
    return this.marks[id] === this.tag;
  }
}
