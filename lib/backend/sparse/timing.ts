/**
 * What the dense-masked / compressed calibrations (lib/backend/sparse/calibrate.ts, and the
 * GPU's in lib/backend/cuda/calibrate.ts) share: the timer type, best-of timing and the
 * random inputs.
 */

/** Timers of both modes at one density: [dense-masked ms, compressed ms]; release frees what it holds. */
export type Timer = ((density: number) => [number, number]) & { release?: () => void };

/** The fastest of `repeats` timed calls of fn (after one untimed), in ms. */
export function bestMs(fn: () => void, repeats: number): number {
  fn();
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}

/** Uniform values in [-1, 1) from a xorshift stream. */
export function randomArray(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = ((x >>> 0) / 4294967296) * 2 - 1;
  }
  return a;
}

/** A 0/1 mask keeping each entry with probability `density`. */
export function randomMask(n: number, density: number, seed: number): Float32Array {
  const u = randomArray(n, seed);
  const m = new Float32Array(n);
  for (let i = 0; i < n; i++) m[i] = (u[i] + 1) / 2 < density ? 1 : 0;
  return m;
}
