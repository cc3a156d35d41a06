/** Seeded PRNG for reproducible test data: the core's mulberry32, plus a Gaussian sampler. */
export { mulberry32 } from '../../src/core/util/random.js';

/** Standard normal sample (Box–Muller) from a uniform source. */
export function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}
