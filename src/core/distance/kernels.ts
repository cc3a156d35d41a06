/**
 * Distance kernels over one WebAssembly memory: the SIMD build (kernels.wat) and a plain
 * TypeScript fallback with the same signatures and the same memory layout. Both are tested
 * to agree (test/unit/core/kernels.test.ts).
 *
 * A `Kernels` instance owns its memory: an index creates one per store (vectors, codes), so
 * each store grows independently. Pointers are byte offsets into `memory`.
 */
import { KERNELS_WASM_BASE64 } from './kernels.generated.js';

/** Scores `count` records at `base + ids[i] * stride` against the query at `query`; writes `out[i]`. */
export type BatchKernel = (
  query: number, base: number, stride: number, ids: number, count: number, lanes: number, out: number,
) => void;

export interface Kernels {
  readonly memory: WebAssembly.Memory;
  readonly simd: boolean;
  /** Float kernels: `lanes` = padded dimension / 4; out is f32. */
  l2sq_batch: BatchKernel;
  dot_batch: BatchKernel;
  l1_batch: BatchKernel;
  /** Signed int8 kernels: `lanes` = padded code bytes / 16; out is i32. */
  i8dot_batch: BatchKernel;
  i8l2sq_batch: BatchKernel;
  i8l1_batch: BatchKernel;
  /** Binary codes: `lanes` = padded code bytes / 16; out is i32 (differing bits). */
  hamming_batch: BatchKernel;
  /** Product quantization: `query` is the f32[m*256] lookup table, `lanes` = m; out is f32. */
  pq_batch: BatchKernel;
}

let compiledModule: WebAssembly.Module | undefined;

function kernelModule(): WebAssembly.Module {
  if (compiledModule === undefined) {
    const binary = Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0));
    compiledModule = new WebAssembly.Module(binary);
  }
  return compiledModule;
}

/** True when this runtime can compile the SIMD kernels. */
export function wasmSimdSupported(): boolean {
  try {
    kernelModule();
    return true;
  } catch {
    return false;
  }
}

/** A fresh WebAssembly instance (own memory) running the SIMD kernels. */
export function createWasmKernels(): Kernels {
  const instance = new WebAssembly.Instance(kernelModule(), {});
  const e = instance.exports as unknown as Omit<Kernels, 'simd'>;
  return {
    memory: e.memory,
    simd: true,
    l2sq_batch: e.l2sq_batch,
    dot_batch: e.dot_batch,
    l1_batch: e.l1_batch,
    i8dot_batch: e.i8dot_batch,
    i8l2sq_batch: e.i8l2sq_batch,
    i8l1_batch: e.i8l1_batch,
    hamming_batch: e.hamming_batch,
    pq_batch: e.pq_batch,
  };
}

const POPCOUNT_BYTE = Uint8Array.from({ length: 256 }, (_, v) => {
  let bits = 0;
  for (let x = v; x !== 0; x >>= 1) bits += x & 1;
  return bits;
});

/**
 * Plain TypeScript kernels over a WebAssembly.Memory (so layouts and growth behave exactly
 * as with the SIMD build). Used where WASM SIMD is unavailable, and as the reference in tests.
 */
export function createJsKernels(): Kernels {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const f32 = (): Float32Array => new Float32Array(memory.buffer);
  const i32 = (): Int32Array => new Int32Array(memory.buffer);
  const i8 = (): Int8Array => new Int8Array(memory.buffer);
  const u8 = (): Uint8Array => new Uint8Array(memory.buffer);

  const floatBatch = (pair: (f: Float32Array, a: number, b: number, n: number) => number): BatchKernel =>
    (query, base, stride, ids, count, lanes, out) => {
      const f = f32(); const ids32 = i32();
      const n = lanes * 4;
      for (let i = 0; i < count; i++) {
        const record = base + ids32[(ids >> 2) + i] * stride;
        f[(out >> 2) + i] = pair(f, query >> 2, record >> 2, n);
      }
    };
  const byteBatch = (pair: (b: Int8Array, u: Uint8Array, a: number, c: number, n: number) => number): BatchKernel =>
    (query, base, stride, ids, count, lanes, out) => {
      const b = i8(); const u = u8(); const ints = i32();
      const n = lanes * 16;
      for (let i = 0; i < count; i++) {
        const record = base + ints[(ids >> 2) + i] * stride;
        ints[(out >> 2) + i] = pair(b, u, query, record, n);
      }
    };

  return {
    memory,
    simd: false,
    l2sq_batch: floatBatch((f, a, b, n) => {
      let sum = 0;
      for (let j = 0; j < n; j++) { const d = f[a + j] - f[b + j]; sum += d * d; }
      return sum;
    }),
    dot_batch: floatBatch((f, a, b, n) => {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += f[a + j] * f[b + j];
      return sum;
    }),
    l1_batch: floatBatch((f, a, b, n) => {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.abs(f[a + j] - f[b + j]);
      return sum;
    }),
    i8dot_batch: byteBatch((b, _u, a, c, n) => {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += b[a + j] * b[c + j];
      return sum;
    }),
    i8l2sq_batch: byteBatch((b, _u, a, c, n) => {
      let sum = 0;
      for (let j = 0; j < n; j++) { const d = b[a + j] - b[c + j]; sum += d * d; }
      return sum;
    }),
    i8l1_batch: byteBatch((b, _u, a, c, n) => {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.abs(b[a + j] - b[c + j]);
      return sum;
    }),
    hamming_batch: byteBatch((_b, u, a, c, n) => {
      let bits = 0;
      for (let j = 0; j < n; j++) bits += POPCOUNT_BYTE[u[a + j] ^ u[c + j]];
      return bits;
    }),
    pq_batch: (table, base, stride, ids, count, m, out) => {
      const f = f32(); const u = u8(); const ints = i32();
      for (let i = 0; i < count; i++) {
        const code = base + ints[(ids >> 2) + i] * stride;
        let sum = 0;
        for (let j = 0; j < m; j++) sum += f[(table >> 2) + j * 256 + u[code + j]];
        f[(out >> 2) + i] = sum;
      }
    },
  };
}

/** The SIMD kernels when the runtime supports them, else the TypeScript fallback. */
export function createKernels(options: { preferJs?: boolean } = {}): Kernels {
  if (options.preferJs !== true && wasmSimdSupported()) return createWasmKernels();
  return createJsKernels();
}
