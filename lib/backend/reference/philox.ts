/**
 * Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011),
 * the counter-based generator that gives the same numbers on the reference, CPU and CUDA
 * backends for the same seed and offset. This file is the executable definition of the
 * contract in native/BINDINGS.md; the native versions are tested bit for bit against it.
 *
 * Every step uses only integer arithmetic that is exact in float64 (the 32x32 -> 64-bit
 * products are split into 16-bit halves), so there is no platform-dependent rounding.
 */

// Hoisted so hot loops do not look up the global object (slow inside vm contexts, e.g. jest).
const { floor, sqrt, log, cos } = Math;

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const M0_HI = M0 >>> 16;
const M0_LO = M0 & 0xffff;
const M1_HI = M1 >>> 16;
const M1_LO = M1 & 0xffff;
const TWO_32 = 4294967296;
const TWO_16 = 65536;
/** 2^-24: scales a 24-bit integer (plus one half) into (0, 1). */
const TWO_M24 = 1 / 16777216;
const TWO_PI = 2 * Math.PI;

/** Largest offset + length accepted: offsets are integers below 2^53. */
const MAX_POSITION = Number.MAX_SAFE_INTEGER;

/**
 * Splits a seed into the two uint32 key words [lo, hi] of Philox.
 * A number must be a non-negative safe integer; a bigint must lie in [0, 2^64).
 */
export function splitSeed(seed: number | bigint): [number, number] {
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed >= 1n << 64n) throw new RangeError(`philox: seed must be in [0, 2^64), got ${seed}`);
    return [Number(seed & 0xffffffffn), Number(seed >> 32n)];
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`philox: seed must be a non-negative safe integer or a bigint, got ${String(seed)}`);
  }
  return [seed % TWO_32, Math.floor(seed / TWO_32)];
}

/**
 * One Philox-4x32-10 block: encrypts the counter [c0, c1, c2, c3] under key [k0, k1]
 * (all uint32) and writes the four uint32 outputs to out[0..3].
 */
export function philoxBlock(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  c0 >>>= 0;
  c1 >>>= 0;
  c2 >>>= 0;
  c3 >>>= 0;
  k0 >>>= 0;
  k1 >>>= 0;
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    // M0 * c0 = p2 * 2^16 + p1 with p1, p2 < 2^48: every partial sum below is exact.
    let p1 = M0_LO * c0;
    let p2 = M0_HI * c0;
    let t = (p1 % TWO_32) + (p2 % TWO_16) * TWO_16;
    const lo0 = t % TWO_32;
    const hi0 = floor(p1 / TWO_32) + floor(p2 / TWO_16) + floor(t / TWO_32);
    p1 = M1_LO * c2;
    p2 = M1_HI * c2;
    t = (p1 % TWO_32) + (p2 % TWO_16) * TWO_16;
    const lo1 = t % TWO_32;
    const hi1 = floor(p1 / TWO_32) + floor(p2 / TWO_16) + floor(t / TWO_32);
    const n0 = (hi1 ^ c1 ^ k0) >>> 0;
    const n2 = (hi0 ^ c3 ^ k1) >>> 0;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

function checkRange(fn: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`${fn}: offset must be a non-negative integer below 2^53, got ${offset}`);
  }
  if (offset + length > MAX_POSITION) {
    throw new RangeError(`${fn}: offset + length must stay below 2^53`);
  }
}

/** (x >>> 8 + 0.5) * 2^-24: the top 24 bits of a uint32 as a float64 in (0, 1). */
function unit(x: number): number {
  return ((x >>> 8) + 0.5) * TWO_M24;
}

/**
 * Fills out[i] = U(offset + i), uniform in (0, 1): word (offset + i) mod 4 of block
 * floor((offset + i) / 4), its top 24 bits plus one half, times 2^-24. The float64 value is
 * exact; a Float32Array stores it rounded to nearest-even (like the native kernels), which
 * maps the top 2^-25 of the range to 1.0.
 */
export function philoxUniform(
  seed: number | bigint,
  offset: number,
  out: Float32Array | Float64Array,
): void {
  checkRange('philoxUniform', offset, out.length);
  const [k0, k1] = splitSeed(seed);
  const w = new Uint32Array(4);
  const n = out.length;
  let i = 0;
  while (i < n) {
    const p = offset + i;
    const block = floor(p / 4);
    philoxBlock(block % TWO_32, floor(block / TWO_32), 0, 0, k0, k1, w);
    for (let j = p % 4; j < 4 && i < n; j++, i++) out[i] = unit(w[j]);
  }
}

/**
 * Fills out[i] = mean + std * N(offset + i) with N standard normal by Box-Muller on the
 * word pair (2 (p mod 2), 2 (p mod 2) + 1) of block floor(p / 2): N = sqrt(-2 ln u1) *
 * cos(2 pi u2). Everything is computed in float64 (no fused multiply-add) and rounded
 * once when stored into a Float32Array.
 */
export function philoxNormal(
  seed: number | bigint,
  offset: number,
  out: Float32Array | Float64Array,
  mean = 0,
  std = 1,
): void {
  checkRange('philoxNormal', offset, out.length);
  const [k0, k1] = splitSeed(seed);
  const w = new Uint32Array(4);
  const n = out.length;
  let i = 0;
  while (i < n) {
    const p = offset + i;
    const block = floor(p / 2);
    philoxBlock(block % TWO_32, floor(block / TWO_32), 0, 0, k0, k1, w);
    for (let j = 2 * (p % 2); j < 4 && i < n; j += 2, i++) {
      const z = sqrt(-2 * log(unit(w[j]))) * cos(TWO_PI * unit(w[j + 1]));
      out[i] = mean + std * z;
    }
  }
}
