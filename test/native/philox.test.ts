// The CPU Philox kernels against the TypeScript definition, bit for bit.
import { loadNative } from '../../lib/backend/native-loader';
import { philoxBlock, philoxNormal, philoxUniform, splitSeed } from '../../lib/backend/reference/philox';

const { addon, error } = loadNative();
if (!addon) throw new Error(`the CPU addon did not load: ${error}`);
const cpu = addon;

const bits = (x: Float32Array): Uint32Array => new Uint32Array(x.buffer, x.byteOffset, x.length);

function firstMismatch(a: Float32Array, b: Float32Array): number {
  const ua = bits(a), ub = bits(b);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

describe('Philox-4x32-10 reference', () => {
  // Known-answer vectors of the Random123 distribution (kat_vectors, philox4x32_10).
  const kat: [number[], number[], number[]][] = [
    [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  ];
  test.each(kat)('block(%j, key %j)', (ctr, key, want) => {
    const out = new Uint32Array(4);
    philoxBlock(ctr[0], ctr[1], ctr[2], ctr[3], key[0], key[1], out);
    expect(Array.from(out)).toEqual(want);
  });

  test('splitSeed', () => {
    expect(splitSeed(0)).toEqual([0, 0]);
    expect(splitSeed(2 ** 32 + 5)).toEqual([5, 1]);
    expect(splitSeed(0xfedcba9876543210n)).toEqual([0x76543210, 0xfedcba98]);
    expect(() => splitSeed(-1)).toThrow(RangeError);
    expect(() => splitSeed(1.5)).toThrow(RangeError);
    expect(() => splitSeed(1n << 64n)).toThrow(RangeError);
  });

  test('uniform is U(p) of the contract, at any offset', () => {
    const whole = new Float64Array(40);
    philoxUniform(7, 0, whole);
    const w = new Uint32Array(4);
    for (let p = 0; p < 40; p++) {
      philoxBlock(Math.floor(p / 4), 0, 0, 0, 7, 0, w);
      expect(whole[p]).toBe(((w[p % 4] >>> 8) + 0.5) / 2 ** 24);
    }
    for (const off of [1, 2, 3, 5, 13]) {
      const part = new Float64Array(40 - off);
      philoxUniform(7, off, part);
      expect(Array.from(part)).toEqual(Array.from(whole.subarray(off)));
    }
  });

  test('normal moments', () => {
    const z = new Float64Array(200_000);
    philoxNormal(123, 0, z, 2, 3);
    let s = 0, s2 = 0;
    for (const v of z) { s += v; s2 += v * v; }
    const mean = s / z.length, variance = s2 / z.length - mean * mean;
    expect(Math.abs(mean - 2)).toBeLessThan(0.03);
    expect(Math.abs(variance - 9)).toBeLessThan(0.15);
  });
});

describe('CPU Philox == reference, bit for bit', () => {
  const seeds: (number | bigint)[] = [0, 1, 0xffffffff, 2 ** 32, 0xfedcba9876543210n, 0xffffffffffffffffn];
  const offsets = [0, 1, 2, 3, 5, 4 * 2 ** 32 + 3, 2 ** 53 - 200_001];
  const lengths = [1, 2, 3, 7, 1000, 100_003];

  for (const seed of seeds) {
    test(`seed ${seed}`, () => {
      const [lo, hi] = splitSeed(seed);
      for (const offset of offsets) {
        for (const n of lengths) {
          if (offset + n > Number.MAX_SAFE_INTEGER) continue;
          const want = new Float32Array(n), got = new Float32Array(n).fill(NaN);
          philoxUniform(seed, offset, want);
          cpu.philoxUniform(lo, hi, offset, got);
          expect([offset, n, firstMismatch(got, want)]).toEqual([offset, n, -1]);
          philoxNormal(seed, offset, want, -0.25, 1.75);
          got.fill(NaN);
          cpu.philoxNormal(lo, hi, offset, -0.25, 1.75, got);
          expect([offset, n, firstMismatch(got, want)]).toEqual([offset, n, -1]);
        }
      }
    });
  }

  test('known answer through the uniform kernel (counter 0, key 0)', () => {
    const got = new Float32Array(4);
    cpu.philoxUniform(0, 0, 0, got);
    const words = [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8];
    expect(Array.from(got)).toEqual(words.map((x) => Math.fround(((x >>> 8) + 0.5) / 2 ** 24)));
  });

  test('a subarray view is written in place and nothing outside it', () => {
    const buf = new Float32Array(64).fill(-1);
    const view = buf.subarray(5, 50);
    cpu.philoxNormal(3, 4, 11, 0, 1, view);
    const want = new Float32Array(45);
    philoxNormal(3 + 4 * 2 ** 32, 11, want);
    expect(firstMismatch(view, want)).toBe(-1);
    expect(Array.from(buf.subarray(0, 5))).toEqual([-1, -1, -1, -1, -1]);
    expect(Array.from(buf.subarray(50))).toEqual(new Array(14).fill(-1));
  });

  test('the result does not depend on the thread count', () => {
    const threads = cpu.info().threads;
    const one = new Float32Array(300_001), many = new Float32Array(300_001);
    try {
      cpu.setNumThreads(1);
      cpu.philoxNormal(9, 0, 77, 0, 1, one);
      cpu.setNumThreads(Math.max(3, threads));
      cpu.philoxNormal(9, 0, 77, 0, 1, many);
    } finally {
      cpu.setNumThreads(threads);
    }
    expect(firstMismatch(one, many)).toBe(-1);
  });
});
