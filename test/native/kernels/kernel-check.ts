// Shared by the native kernel tests: the loaded addon, the ISA paths this CPU can run,
// seeded random inputs (fresh per run; the seed is printed on failure) and a closeness
// check against float64 oracles written in each test.
import { loadNative, NativeAddon } from '../../../lib/backend/native-loader';

const loaded = loadNative();
if (!loaded.addon) throw new Error(`the CPU addon did not load: ${loaded.error}`);

/** The raw CPU addon under test. */
export const addon: NativeAddon = loaded.addon;

type Isa = 'baseline' | 'avx2' | 'avx512';

/** Every ISA path the CPU supports, best last. */
export function isaPaths(): Isa[] {
  const order: Isa[] = ['baseline', 'avx2', 'avx512'];
  return order.slice(0, order.indexOf(addon.info().detectedIsa) + 1);
}

/** Runs fn with the addon forced onto each supported ISA path, restoring the original after. */
export function onEveryIsa(fn: (isa: Isa) => void): void {
  const original = addon.info().isa;
  try {
    for (const isa of isaPaths()) {
      addon.setIsa(isa);
      fn(isa);
    }
  } finally {
    addon.setIsa(original);
  }
}

/** Seed of this run's random inputs: PAI_TEST_SEED, else fresh. */
export const seed = Number(process.env.PAI_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));

let state = seed >>> 0;

/** Uniform in [0, 1) from a 32-bit xorshift-multiply generator (mulberry32). */
export function uniform(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** n floats uniform in [lo, hi). */
export function randomArray(n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * uniform();
  return a;
}

/** A 0/1 mask with about `density` ones. */
export function randomMask(n: number, density = 0.6): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = uniform() < density ? 1 : 0;
  return a;
}

/** Integer in [0, n). */
export function randomInt(n: number): number {
  return Math.floor(uniform() * n);
}

/**
 * Asserts |actual - expected| <= atol + rtol * scale elementwise, where scale is `scale[i]`
 * (e.g. the sum of |terms| of a reduction) or |expected[i]|. Fails with the first offending
 * index, the values and the seed.
 */
export function expectClose(
  what: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  opts: { rtol?: number; atol?: number; scale?: ArrayLike<number> } = {},
): void {
  const rtol = opts.rtol ?? 1e-5, atol = opts.atol ?? 1e-6;
  if (actual.length < expected.length) throw new Error(`${what}: length ${actual.length} < ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i], a = actual[i];
    const s = opts.scale ? opts.scale[i] : Math.abs(e);
    const ok = Number.isNaN(e) ? Number.isNaN(a) : e === a || Math.abs(a - e) <= atol + rtol * s;
    if (!ok) throw new Error(`${what}: index ${i}: got ${a}, expected ${e} (scale ${s}); PAI_TEST_SEED=${seed}`);
  }
}

/**
 * Asserts that fn throws an error named `kind` whose message contains every fragment (by
 * name: errors made by the addon may come from another realm than jest's globals).
 */
export function expectThrows(fn: () => unknown, kind: 'TypeError' | 'RangeError', ...fragments: string[]): void {
  let thrown: unknown = null;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (!thrown || (thrown as Error).name !== kind) throw new Error(`expected ${kind}, got ${String(thrown)}`);
  for (const f of fragments) {
    if (!(thrown as Error).message.includes(f)) throw new Error(`message '${(thrown as Error).message}' lacks '${f}'`);
  }
}

/**
 * sums[ch] is the float64 sum of gx [n, c, hw] over n and hw, to float32 rounding of the
 * terms' magnitude; unless gx is all zeros, some channel's sum must stand well clear of 0
 * (else the check could not tell the sums from zeros).
 */
export function expectChannelSums(where: string, gx: Float32Array, n: number, c: number, hw: number, sums: Float32Array): void {
  let informative = false;
  let total = 0;
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    let mag = 0;
    for (let b = 0; b < n; b++)
      for (let i = 0; i < hw; i++) {
        s += gx[(b * c + ch) * hw + i];
        mag += Math.abs(gx[(b * c + ch) * hw + i]);
      }
    total += mag;
    if (Math.abs(s) > 1e-3 * mag) informative = true;
    if (!(Math.abs(sums[ch] - s) <= 1e-6 * mag)) throw new Error(`${where}[${ch}] = ${sums[ch]}, want ${s} (terms' magnitude ${mag})`);
  }
  if (total > 0 && !informative) throw new Error(`${where}: every channel's sum is too close to 0 to tell the sums from zeros`);
}
