;; RuVector distance kernels, WebAssembly SIMD (f32x4 / i8x16).
;;
;; Compiled at build time by scripts/build-wasm.mjs (wabt) into kernels.generated.ts.
;; Every pointer is a byte offset into this instance's memory. Float vectors are stored
;; zero-padded to a multiple of 4 lanes (16 bytes), so loops need no scalar tail: padding
;; lanes are 0 in every vector and add nothing to L2, dot or L1. Byte codes (int8, binary)
;; are padded to 16 bytes the same way.
;;
;; Batched forms score `count` records of one store against one query:
;;   ids:  i32[count]  record numbers (record i lives at base + i * stride)
;;   out:  f32[count] (or i32[count] for integer kernels)
;; so one JS→WASM crossing scores a whole gathered neighbour list.
(module
  (memory (export "memory") 1)

  ;; ---- float32 kernels; n4 = padded dimension / 4 -------------------------------------
  (func $l2sq (export "l2sq") (param $a i32) (param $b i32) (param $n4 i32) (result f32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $end i32) (local $d v128)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n4) (i32.const 4))))
    ;; four independent accumulators hide the latency of f32x4.add
    (block $done4
      (loop $next4
        (br_if $done4 (i32.gt_u (i32.add (local.get $a) (i32.const 64)) (local.get $end)))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.tee $d (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b)))) (local.get $d))))
        (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.tee $d (f32x4.sub (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))) (local.get $d))))
        (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (local.tee $d (f32x4.sub (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b)))) (local.get $d))))
        (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (local.tee $d (f32x4.sub (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b)))) (local.get $d))))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (br $next4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.tee $d (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b)))) (local.get $d))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $next)))
    (local.set $acc0 (f32x4.add (f32x4.add (local.get $acc0) (local.get $acc1)) (f32x4.add (local.get $acc2) (local.get $acc3))))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))

  (func $dot (export "dot") (param $a i32) (param $b i32) (param $n4 i32) (result f32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $end i32) (local $d v128)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n4) (i32.const 4))))
    ;; four independent accumulators hide the latency of f32x4.add
    (block $done4
      (loop $next4
        (br_if $done4 (i32.gt_u (i32.add (local.get $a) (i32.const 64)) (local.get $end)))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
        (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b)))))
        (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.mul (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (br $next4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $next)))
    (local.set $acc0 (f32x4.add (f32x4.add (local.get $acc0) (local.get $acc1)) (f32x4.add (local.get $acc2) (local.get $acc3))))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))

  (func $l1 (export "l1") (param $a i32) (param $b i32) (param $n4 i32) (result f32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $end i32) (local $d v128)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n4) (i32.const 4))))
    ;; four independent accumulators hide the latency of f32x4.add
    (block $done4
      (loop $next4
        (br_if $done4 (i32.gt_u (i32.add (local.get $a) (i32.const 64)) (local.get $end)))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.abs (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b))))))
        (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.abs (f32x4.sub (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))))
        (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.abs (f32x4.sub (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b))))))
        (local.set $acc3 (f32x4.add (local.get $acc3) (f32x4.abs (f32x4.sub (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b))))))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (br $next4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.abs (f32x4.sub (v128.load (local.get $a)) (v128.load (local.get $b))))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $next)))
    (local.set $acc0 (f32x4.add (f32x4.add (local.get $acc0) (local.get $acc1)) (f32x4.add (local.get $acc2) (local.get $acc3))))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))

  ;; Touches every 64-byte line of the records about to be scored, before scoring them. The
  ;; loads are independent, so the CPU fetches many lines from DRAM at once (memory-level
  ;; parallelism) instead of one record after another: WebAssembly has no prefetch
  ;; instruction, and HNSW reads records in random order.
  (func $touch (param $base i32) (param $stride i32) (param $ids i32) (param $count i32)
    (local $end i32) (local $p i32) (local $lineEnd i32)
    (local.set $end (i32.add (local.get $ids) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ids) (local.get $end)))
        (local.set $p (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride))))
        (local.set $lineEnd (i32.add (local.get $p) (local.get $stride)))
        (block $linesDone
          (loop $nextLine
            (br_if $linesDone (i32.ge_u (local.get $p) (local.get $lineEnd)))
            (drop (i32.load8_u (local.get $p)))
            (local.set $p (i32.add (local.get $p) (i32.const 64)))
            (br $nextLine)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (br $next))))

  ;; Batched float kernels: out[i] = kernel(q, base + ids[i] * stride)
  (func (export "l2sq_batch") (param $q i32) (param $base i32) (param $stride i32)
        (param $ids i32) (param $count i32) (param $n4 i32) (param $out i32)
    (local $end i32)
    (call $touch (local.get $base) (local.get $stride) (local.get $ids) (local.get $count))
    (local.set $end (i32.add (local.get $ids) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ids) (local.get $end)))
        (f32.store (local.get $out)
          (call $l2sq (local.get $q)
            (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride)))
            (local.get $n4)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next))))

  (func (export "dot_batch") (param $q i32) (param $base i32) (param $stride i32)
        (param $ids i32) (param $count i32) (param $n4 i32) (param $out i32)
    (local $end i32)
    (call $touch (local.get $base) (local.get $stride) (local.get $ids) (local.get $count))
    (local.set $end (i32.add (local.get $ids) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ids) (local.get $end)))
        (f32.store (local.get $out)
          (call $dot (local.get $q)
            (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride)))
            (local.get $n4)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next))))

  (func (export "l1_batch") (param $q i32) (param $base i32) (param $stride i32)
        (param $ids i32) (param $count i32) (param $n4 i32) (param $out i32)
    (local $end i32)
    (call $touch (local.get $base) (local.get $stride) (local.get $ids) (local.get $count))
    (local.set $end (i32.add (local.get $ids) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ids) (local.get $end)))
        (f32.store (local.get $out)
          (call $l1 (local.get $q)
            (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride)))
            (local.get $n4)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next))))

  ;; ---- int8 kernels (scalar quantization); n16 = padded code length / 16 -------------
  ;; i8dot: sum of a[j] * b[j] over signed bytes, as i32.
  (func $i8dot (export "i8dot") (param $a i32) (param $b i32) (param $n16 i32) (result i32)
    (local $acc v128) (local $va v128) (local $vb v128) (local $end i32)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n16) (i32.const 4))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $va (v128.load (local.get $a)))
        (local.set $vb (v128.load (local.get $b)))
        (local.set $acc (i32x4.add (local.get $acc)
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $va)) (i16x8.extend_low_i8x16_s (local.get $vb)))))
        (local.set $acc (i32x4.add (local.get $acc)
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $va)) (i16x8.extend_high_i8x16_s (local.get $vb)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $next)))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))

  ;; i8l2sq: sum of (a[j] - b[j])^2 over signed bytes, as i32.
  (func $i8l2sq (export "i8l2sq") (param $a i32) (param $b i32) (param $n16 i32) (result i32)
    (local $acc v128) (local $va v128) (local $vb v128) (local $d v128) (local $end i32)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n16) (i32.const 4))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $va (v128.load (local.get $a)))
        (local.set $vb (v128.load (local.get $b)))
        (local.set $d (i16x8.sub (i16x8.extend_low_i8x16_s (local.get $va)) (i16x8.extend_low_i8x16_s (local.get $vb))))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s (local.get $d) (local.get $d))))
        (local.set $d (i16x8.sub (i16x8.extend_high_i8x16_s (local.get $va)) (i16x8.extend_high_i8x16_s (local.get $vb))))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s (local.get $d) (local.get $d))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $next)))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))

  ;; i8l1: sum of |a[j] - b[j]| over signed bytes, as i32.
  (func $i8l1 (export "i8l1") (param $a i32) (param $b i32) (param $n16 i32) (result i32)
    (local $acc v128) (local $va v128) (local $vb v128) (local $d v128) (local $end i32)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n16) (i32.const 4))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $va (v128.load (local.get $a)))
        (local.set $vb (v128.load (local.get $b)))
        (local.set $d (i16x8.abs (i16x8.sub (i16x8.extend_low_i8x16_s (local.get $va)) (i16x8.extend_low_i8x16_s (local.get $vb)))))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.extadd_pairwise_i16x8_u (local.get $d))))
        (local.set $d (i16x8.abs (i16x8.sub (i16x8.extend_high_i8x16_s (local.get $va)) (i16x8.extend_high_i8x16_s (local.get $vb)))))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.extadd_pairwise_i16x8_u (local.get $d))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $next)))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))

  (func (export "i8dot_batch") (param $q i32) (param $base i32) (param $stride i32)
        (param $ids i32) (param $count i32) (param $n16 i32) (param $out i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $ids) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ids) (local.get $end)))
        (i32.store (local.get $out)
          (call $i8dot (local.get $q)
            (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride)))
            (local.get $n16)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next))))

  (func (export "i8l2sq_batch") (param $q i32) (param $base i32) (param $stride i32)
        (param $ids i32) (param $count i32) (param $n16 i32) (param $out i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $ids) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ids) (local.get $end)))
        (i32.store (local.get $out)
          (call $i8l2sq (local.get $q)
            (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride)))
            (local.get $n16)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next))))

  (func (export "i8l1_batch") (param $q i32) (param $base i32) (param $stride i32)
        (param $ids i32) (param $count i32) (param $n16 i32) (param $out i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $ids) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ids) (local.get $end)))
        (i32.store (local.get $out)
          (call $i8l1 (local.get $q)
            (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride)))
            (local.get $n16)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next))))

  ;; ---- binary codes: Hamming distance (popcount of xor); n16 = padded bytes / 16 -------
  (func $hamming (export "hamming") (param $a i32) (param $b i32) (param $n16 i32) (result i32)
    (local $acc v128) (local $end i32)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n16) (i32.const 4))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $acc (i32x4.add (local.get $acc)
          (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u
            (i8x16.popcnt (v128.xor (v128.load (local.get $a)) (v128.load (local.get $b))))))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $next)))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))

  (func (export "hamming_batch") (param $q i32) (param $base i32) (param $stride i32)
        (param $ids i32) (param $count i32) (param $n16 i32) (param $out i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $ids) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ids) (local.get $end)))
        (i32.store (local.get $out)
          (call $hamming (local.get $q)
            (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride)))
            (local.get $n16)))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next))))

  ;; ---- product quantization: asymmetric distance by table lookup -----------------------
  ;; table: f32[m * 256], the distance of the query's j-th sub-vector to centroid c of
  ;; sub-space j at table[j * 256 + c]; a code is m bytes. out[i] = sum_j table[j*256 + code[j]].
  (func (export "pq_batch") (param $table i32) (param $base i32) (param $stride i32)
        (param $ids i32) (param $count i32) (param $m i32) (param $out i32)
    (local $end i32) (local $code i32) (local $codeEnd i32) (local $row i32) (local $sum f32)
    (local.set $end (i32.add (local.get $ids) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ids) (local.get $end)))
        (local.set $code (i32.add (local.get $base) (i32.mul (i32.load (local.get $ids)) (local.get $stride))))
        (local.set $codeEnd (i32.add (local.get $code) (local.get $m)))
        (local.set $row (local.get $table))
        (local.set $sum (f32.const 0))
        (block $codeDone
          (loop $nextByte
            (br_if $codeDone (i32.ge_u (local.get $code) (local.get $codeEnd)))
            (local.set $sum (f32.add (local.get $sum)
              (f32.load (i32.add (local.get $row) (i32.shl (i32.load8_u (local.get $code)) (i32.const 2))))))
            (local.set $code (i32.add (local.get $code) (i32.const 1)))
            (local.set $row (i32.add (local.get $row) (i32.const 1024)))
            (br $nextByte)))
        (f32.store (local.get $out) (local.get $sum))
        (local.set $ids (i32.add (local.get $ids) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next))))
)
