// The SIMD kernels and the TypeScript fallback agree on every kernel (within float tolerance).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsKernels, createWasmKernels, wasmSimdSupported, type Kernels } from '../../../src/core/distance/kernels.js';
import { RecordStore } from '../../../src/core/distance/record-store.js';
import { mulberry32 } from '../../helpers/random.js';

type KernelName = 'l2sq_batch' | 'dot_batch' | 'l1_batch' | 'i8dot_batch' | 'i8l2sq_batch' | 'i8l1_batch' | 'hamming_batch';

function runKernel(kernels: Kernels, name: KernelName, dim: number, records: Uint8Array[], query: Uint8Array, ids: number[], float: boolean): number[] {
  const store = new RecordStore(kernels, { recordBytes: float ? dim * 4 : dim, initialCapacity: 4 });
  records.forEach((r, i) => store.writeRecord(i, r)); // grows the memory past its first page
  store.writeQuery(query);
  store.i32.set(ids, store.idsPtr >> 2);
  const lanes = float ? store.stride / 16 : store.stride / 16;
  const floatLanes = store.stride / 16; // f32x4 lanes == v128 count
  kernels[name](store.queryPtr, store.recordsBase, store.stride, store.idsPtr, ids.length, float ? floatLanes : lanes, store.outPtr);
  const out = float ? store.f32 : store.i32;
  return Array.from(out.subarray(store.outPtr >> 2, (store.outPtr >> 2) + ids.length));
}

test('WASM SIMD is available on this runtime', () => {
  assert.equal(wasmSimdSupported(), true);
});

for (const dim of [1, 3, 4, 17, 128, 769]) {
  test(`float kernels agree between SIMD and TypeScript, dim ${dim}`, () => {
    const rand = mulberry32(dim);
    const records = Array.from({ length: 300 }, () => new Uint8Array(Float32Array.from({ length: dim }, () => rand() * 2 - 1).buffer));
    const query = new Uint8Array(Float32Array.from({ length: dim }, () => rand() * 2 - 1).buffer);
    const ids = Array.from({ length: 257 }, () => Math.floor(rand() * records.length));
    for (const name of ['l2sq_batch', 'dot_batch', 'l1_batch'] as const) {
      const simd = runKernel(createWasmKernels(), name, dim, records, query, ids, true);
      const js = runKernel(createJsKernels(), name, dim, records, query, ids, true);
      // and both agree with a float64 reference
      const q = new Float32Array(query.buffer);
      ids.forEach((id, i) => {
        const r = new Float32Array(records[id].buffer);
        let expected = 0;
        for (let j = 0; j < dim; j++) {
          if (name === 'l2sq_batch') expected += (q[j] - r[j]) ** 2;
          else if (name === 'dot_batch') expected += q[j] * r[j];
          else expected += Math.abs(q[j] - r[j]);
        }
        const tolerance = 1e-4 * Math.max(1, Math.abs(expected));
        assert.ok(Math.abs(simd[i] - expected) <= tolerance, `${name} simd ${simd[i]} vs ${expected}`);
        assert.ok(Math.abs(js[i] - expected) <= tolerance, `${name} js ${js[i]} vs ${expected}`);
      });
    }
  });

  test(`byte kernels agree exactly between SIMD and TypeScript, dim ${dim}`, () => {
    const rand = mulberry32(1000 + dim);
    const records = Array.from({ length: 200 }, () => Uint8Array.from({ length: dim }, () => Math.floor(rand() * 256)));
    const query = Uint8Array.from({ length: dim }, () => Math.floor(rand() * 256));
    const ids = Array.from({ length: 100 }, () => Math.floor(rand() * records.length));
    for (const name of ['i8dot_batch', 'i8l2sq_batch', 'i8l1_batch', 'hamming_batch'] as const) {
      const simd = runKernel(createWasmKernels(), name, dim, records, query, ids, false);
      const js = runKernel(createJsKernels(), name, dim, records, query, ids, false);
      assert.deepEqual(simd, js, name);
    }
  });
}

test('pq_batch sums table rows for each code, SIMD and TypeScript alike', () => {
  const m = 8;
  const rand = mulberry32(7);
  const table = Float32Array.from({ length: m * 256 }, () => rand());
  const codes = Array.from({ length: 50 }, () => Uint8Array.from({ length: m }, () => Math.floor(rand() * 256)));
  const ids = [0, 5, 49, 3, 3];
  const results = [createWasmKernels(), createJsKernels()].map((kernels) => {
    const store = new RecordStore(kernels, { recordBytes: m, queryBytes: table.byteLength });
    codes.forEach((c, i) => store.writeRecord(i, c));
    store.f32.set(table, store.queryPtr >> 2);
    store.i32.set(ids, store.idsPtr >> 2);
    kernels.pq_batch(store.queryPtr, store.recordsBase, store.stride, store.idsPtr, ids.length, m, store.outPtr);
    return Array.from(store.f32.subarray(store.outPtr >> 2, (store.outPtr >> 2) + ids.length));
  });
  const expected = ids.map((id) => codes[id].reduce((sum, c, j) => sum + table[j * 256 + c], 0));
  for (const result of results) result.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-4));
});

test('record store re-derives views after memory growth', () => {
  const store = new RecordStore(createWasmKernels(), { recordBytes: 512, initialCapacity: 1 });
  const before = store.f32;
  store.writeRecord(10_000, new Uint8Array(512).fill(1));
  assert.notEqual(store.f32, before);
  assert.equal(before.length, 0, 'old view is detached by grow()');
  assert.equal(store.u8[store.recordPtr(10_000)], 1);
});
