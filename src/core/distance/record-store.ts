/**
 * Fixed-stride records (float vectors or byte codes) in one WebAssembly memory, plus a
 * scratch area the batched kernels read from and write to.
 *
 * Layout of the memory:
 *   [0, scratchBytes)                 query slot, id list (i32[maxBatch]), out (f32/i32[maxBatch])
 *   [recordsBase, +capacity*stride)   record i at recordsBase + i * stride
 *
 * Invariant: typed-array views are never used across a `memory.grow()` (which detaches
 * them): this store is the only code that grows its memory, and it re-derives its views
 * right after growing, so the accessors are plain field reads (they sit on the hot path of
 * every search). Callers must re-read an accessor after any call that may grow the store.
 * Growth doubles, so appends are amortised O(1).
 */
import type { Kernels } from './kernels.js';

const PAGE_BYTES = 65536;
/** A 32-bit WebAssembly memory holds at most 65,536 pages (4 GiB). */
const MAX_PAGES = 65536;

export interface RecordStoreOptions {
  /** Bytes per record; rounded up to a multiple of 16 (one v128). */
  recordBytes: number;
  /** Bytes reserved for the query slot (at least one record; PQ tables need more). */
  queryBytes?: number;
  /** Largest id list one kernel call scores. */
  maxBatch?: number;
  initialCapacity?: number;
}

export class RecordStore {
  readonly kernels: Kernels;
  readonly stride: number;
  readonly maxBatch: number;
  readonly queryPtr: number;
  readonly idsPtr: number;
  readonly outPtr: number;
  readonly recordsBase: number;
  private recordCapacity: number;
  private viewBuffer: ArrayBuffer | undefined;
  private f32View = new Float32Array(0);
  private i32View = new Int32Array(0);
  private u8View = new Uint8Array(0);

  constructor(kernels: Kernels, options: RecordStoreOptions) {
    if (!(options.recordBytes > 0)) throw new RangeError('recordBytes must be positive');
    this.kernels = kernels;
    this.stride = Math.ceil(options.recordBytes / 16) * 16;
    this.maxBatch = options.maxBatch ?? 4096;
    const queryBytes = Math.ceil(Math.max(options.queryBytes ?? 0, this.stride) / 16) * 16;
    this.queryPtr = 0;
    this.idsPtr = queryBytes;
    this.outPtr = this.idsPtr + this.maxBatch * 4;
    this.recordsBase = Math.ceil((this.outPtr + this.maxBatch * 4) / 16) * 16;
    this.recordCapacity = 0;
    this.ensureCapacity(Math.max(options.initialCapacity ?? 1024, 1));
  }

  get capacity(): number {
    return this.recordCapacity;
  }

  /** Grows the memory (doubling) so that records [0, count) exist. */
  ensureCapacity(count: number): void {
    if (count <= this.recordCapacity) return;
    let target = Math.max(this.recordCapacity, 16);
    while (target < count) target *= 2;
    const neededBytes = this.recordsBase + target * this.stride;
    const neededPages = Math.ceil(neededBytes / PAGE_BYTES);
    if (neededPages > MAX_PAGES) {
      throw new RangeError(`record store would need ${neededBytes} bytes, over the 4 GiB of a 32-bit WebAssembly memory: use more shards`);
    }
    const memory = this.kernels.memory;
    const havePages = memory.buffer.byteLength / PAGE_BYTES;
    if (neededPages > havePages) memory.grow(neededPages - havePages);
    this.refreshViews();
    this.recordCapacity = Math.floor((memory.buffer.byteLength - this.recordsBase) / this.stride);
  }

  private refreshViews(): void {
    const buffer = this.kernels.memory.buffer;
    if (buffer !== this.viewBuffer) {
      this.viewBuffer = buffer;
      this.f32View = new Float32Array(buffer);
      this.i32View = new Int32Array(buffer);
      this.u8View = new Uint8Array(buffer);
    }
  }

  /** Float32 view of the whole memory (index = byte offset / 4). */
  get f32(): Float32Array {
    return this.f32View;
  }

  get i32(): Int32Array {
    return this.i32View;
  }

  get u8(): Uint8Array {
    return this.u8View;
  }

  recordPtr(record: number): number {
    return this.recordsBase + record * this.stride;
  }

  /** Copies bytes into record `record` (zero-filling the padding); grows as needed. */
  writeRecord(record: number, bytes: Uint8Array): void {
    this.ensureCapacity(record + 1);
    const ptr = this.recordPtr(record);
    const u8 = this.u8;
    u8.set(bytes, ptr);
    u8.fill(0, ptr + bytes.length, ptr + this.stride);
  }

  /** A copy of record `record`'s first `length` bytes. */
  readRecord(record: number, length = this.stride): Uint8Array {
    const ptr = this.recordPtr(record);
    return this.u8.slice(ptr, ptr + length);
  }

  /** Copies `bytes` into the query slot (zero-filling up to one stride). */
  writeQuery(bytes: Uint8Array): void {
    const u8 = this.u8;
    u8.set(bytes, this.queryPtr);
    if (bytes.length < this.stride) u8.fill(0, this.queryPtr + bytes.length, this.queryPtr + this.stride);
  }

  /** Copies record `record` into the query slot (to score other records against it). */
  copyRecordToQuery(record: number): void {
    const ptr = this.recordPtr(record);
    this.u8.copyWithin(this.queryPtr, ptr, ptr + this.stride);
  }
}
