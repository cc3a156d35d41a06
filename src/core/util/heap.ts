/**
 * Binary heaps of (distance, id) pairs in typed arrays: the candidate queue (min-heap) and
 * the result set (max-heap) of HNSW search. No allocation per push; capacity doubles.
 */

class PairHeap {
  protected keys: Float64Array;
  protected values: Int32Array;
  size = 0;

  constructor(capacity = 64, private readonly sign: 1 | -1) {
    this.keys = new Float64Array(capacity);
    this.values = new Int32Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  /** Key of the top element (smallest for a min-heap, largest for a max-heap). */
  topKey(): number {
    return this.keys[0] * this.sign;
  }

  topValue(): number {
    return this.values[0];
  }

  push(key: number, value: number): void {
    if (this.size === this.keys.length) this.grow();
    const keys = this.keys;
    const values = this.values;
    const k = key * this.sign;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent] <= k) break;
      keys[i] = keys[parent];
      values[i] = values[parent];
      i = parent;
    }
    keys[i] = k;
    values[i] = value;
  }

  /** Removes the top element; read it first with topKey()/topValue(). */
  pop(): void {
    const size = --this.size;
    if (size <= 0) return;
    this.siftDown(this.keys[size], this.values[size]);
  }

  /** Replaces the top element (cheaper than pop + push). */
  replaceTop(key: number, value: number): void {
    this.siftDown(key * this.sign, value);
  }

  /** Places (already signed) `k` with `v` from the root down to where the heap order holds. */
  private siftDown(k: number, v: number): void {
    const keys = this.keys;
    const values = this.values;
    const size = this.size;
    let i = 0;
    while (true) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && keys[child + 1] < keys[child]) child++;
      if (keys[child] >= k) break;
      keys[i] = keys[child];
      values[i] = values[child];
      i = child;
    }
    keys[i] = k;
    values[i] = v;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    const values = new Int32Array(this.values.length * 2);
    values.set(this.values);
    this.keys = keys;
    this.values = values;
  }
}

/** Smallest key on top. */
export class MinHeap extends PairHeap {
  constructor(capacity = 64) {
    super(capacity, 1);
  }
}

/** Largest key on top. */
export class MaxHeap extends PairHeap {
  constructor(capacity = 64) {
    super(capacity, -1);
  }

  /** Drains into arrays sorted ascending by key. */
  drainAscending(): { ids: number[]; keys: number[] } {
    const n = this.size;
    const ids = new Array<number>(n);
    const keys = new Array<number>(n);
    for (let i = n - 1; i >= 0; i--) {
      keys[i] = this.topKey();
      ids[i] = this.topValue();
      this.pop();
    }
    return { ids, keys };
  }
}
