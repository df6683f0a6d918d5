// Zero channels of the fused batch norm + ReLU kernels (zeroIn / zeroOut, native/BINDINGS.md):
// with a channel of x flagged as all zeros, the forward, the pooled forward and both
// backwards give the values they give without the flag (a zero's sign aside), on every ISA
// path, on the per-row, span and pooled paths. To show the flagged channels are really not
// read, the flagged run gets garbage there: in x for every flagged channel forward, and in x
// and gy backward for the channels whose ReLU is closed at 0 (beta <= 0).
import { addon, expectThrows, onEveryIsa, randomArray } from './kernel-check';

/** Equal as numbers (+0 == -0), NaN equal to NaN. */
function expectSame(what: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) throw new Error(`${what}: index ${i}: got ${a}, want ${b}`);
  }
}

interface Channels {
  gamma: Float32Array | null;
  beta: Float32Array | null;
  /** Flagged zero channels (the kernels' zeroIn). */
  zeroIn: Uint8Array;
  /** Flagged channels whose backward must read nothing: ReLU closed at 0, gamma finite. */
  skipped: Uint8Array;
}

/**
 * Channel kinds, cycling over c: 0 live; 1 flagged, beta < 0 (closed); 2 flagged, beta > 0
 * (open: filled forward, read backward); 3 flagged, beta = -0; 4 zeros not flagged; 5 flagged
 * with gamma = Infinity (NaN outputs, read backward).
 */
function channels(c: number, affine: boolean): Channels {
  const gamma = affine ? randomArray(c, 0.5, 1.5) : null;
  const beta = affine ? randomArray(c, -0.5, 0.5) : null;
  const zeroIn = new Uint8Array(c), skipped = new Uint8Array(c);
  for (let ch = 0; ch < c; ch++) {
    const kind = ch % 6;
    if (kind === 0 || kind === 4) continue;
    zeroIn[ch] = 1;
    if (beta) beta[ch] = kind === 1 ? -0.3 : kind === 2 ? 0.3 : kind === 3 ? -0 : -0.1;
    if (gamma && kind === 5) gamma[ch] = Infinity;
    skipped[ch] = kind === 1 || kind === 3 || (kind === 5 && !gamma) || (kind === 2 && !beta) ? 1 : 0;
  }
  return { gamma, beta, zeroIn, skipped };
}

/** x [n, c, hw] with zeros of both signs in flagged channels and kind 4, or `fill` in the channels `where` flags. */
function input(n: number, c: number, hw: number, zero: (ch: number) => boolean, where: Uint8Array | null, fill: number): Float32Array {
  const x = randomArray(n * c * hw, -1, 1.5);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++) {
      if (!zero(ch)) continue;
      for (let i = 0; i < hw; i++) x[(b * c + ch) * hw + i] = where && where[ch] ? fill : i % 2 ? -0 : 0;
    }
  return x;
}

function garbled(t: Float32Array, n: number, c: number, hw: number, where: Uint8Array, fill: number): Float32Array {
  const g = t.slice();
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) if (where[ch]) g.fill(fill, (b * c + ch) * hw, (b * c + ch + 1) * hw);
  return g;
}

/** zeroOut as the kernels define it: flagged and every output of the channel +0. */
function expectedZeroOut(out: Float32Array, n: number, c: number, plane: number, zeroIn: Uint8Array): number[] {
  return Array.from(zeroIn, (z, ch) => {
    if (!z) return 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < plane; i++) if (!Object.is(out[(b * c + ch) * plane + i], 0)) return 0;
    return 1;
  });
}

const isZeroKind = (ch: number) => ch % 6 !== 0;

// n, c, hw: rows of 128 and more take the per-row path, planes of whole vectors the plane
// path, other short ones the span path.
describe.each([
  [3, 12, 130],
  [21, 13, 16],
  [18, 11, 64],
  [17, 9, 32],
  [2, 7, 257],
  [5, 13, 13],
  [19, 8, 4],
  [4, 12, 1],
])('zero channels, batch norm + relu n %d c %d hw %d', (n, c, hw) => {
  test.each([true, false])('affine %s: same values, flagged channels not read', (affine) => {
    const ch = channels(c, affine);
    const size = n * c * hw, eps = 1e-5;
    const x = input(n, c, hw, isZeroKind, null, 0);
    const gy = randomArray(size);
    onEveryIsa((isa) => {
      const stats = () => [new Float32Array(c), new Float32Array(c), new Float32Array(c)] as const;
      const [m0, lo0, is0] = stats(), [m1, lo1, is1] = stats();
      const out0 = new Float32Array(size), out1 = new Float32Array(size).fill(NaN);
      addon.batchNormReluTrainForward(x, n, c, hw, ch.gamma, ch.beta, eps, out0, m0, lo0, is0);
      const zeroOut = new Uint8Array(c).fill(7);
      addon.batchNormReluTrainForward(garbled(x, n, c, hw, ch.zeroIn, 1e30), n, c, hw, ch.gamma, ch.beta, eps, out1, m1, lo1, is1, null, ch.zeroIn, zeroOut);
      expectSame(`${isa} out`, out1, out0);
      expectSame(`${isa} mean`, m1, m0);
      expectSame(`${isa} meanLo`, lo1, lo0);
      expectSame(`${isa} invstd`, is1, is0);
      expect(Array.from(zeroOut)).toEqual(expectedZeroOut(out0, n, c, hw, ch.zeroIn));
      if (!affine) expect(Array.from(zeroOut)).toEqual(Array.from(ch.zeroIn)); // beta 0: every flagged channel is zero

      const grads = () => [new Float32Array(size).fill(NaN), new Float32Array(c).fill(NaN), new Float32Array(c).fill(NaN), new Float32Array(c).fill(NaN)] as const;
      const [gx0, gg0, gb0, s0] = grads(), [gx1, gg1, gb1, s1] = grads();
      addon.batchNormReluBackward(gy, x, n, c, hw, m0, lo0, is0, ch.gamma, ch.beta, gx0, gg0, gb0, s0);
      const xs = garbled(x, n, c, hw, ch.skipped, 1e30), gys = garbled(gy, n, c, hw, ch.skipped, NaN);
      addon.batchNormReluBackward(gys, xs, n, c, hw, m0, lo0, is0, ch.gamma, ch.beta, gx1, gg1, gb1, s1, ch.zeroIn);
      expectSame(`${isa} gx`, gx1, gx0);
      expectSame(`${isa} ggamma`, gg1, gg0);
      expectSame(`${isa} gbeta`, gb1, gb0);
      expectSame(`${isa} gxSum`, s1, s0);
    });
  });
});

describe.each([
  [3, 12, 16, 16],
  [2, 7, 8, 12],
  [5, 6, 4, 4],
])('zero channels, batch norm + relu + max pool n %d c %d %dx%d', (n, c, h, w) => {
  test.each([true, false])('affine %s: same values, flagged channels not read', (affine) => {
    const ch = channels(c, affine);
    const hw = h * w, size = n * c * hw, q = hw / 4, eps = 1e-5;
    const x = input(n, c, hw, isZeroKind, null, 0);
    const gy = randomArray(n * c * q);
    onEveryIsa((isa) => {
      const stats = () => [new Float32Array(c), new Float32Array(c), new Float32Array(c)] as const;
      const [m0, lo0, is0] = stats(), [m1, lo1, is1] = stats();
      const out0 = new Float32Array(n * c * q), out1 = new Float32Array(n * c * q).fill(NaN);
      addon.batchNormReluMaxPoolTrainForward(x, n, c, h, w, ch.gamma, ch.beta, eps, out0, m0, lo0, is0);
      const zeroOut = new Uint8Array(c).fill(7);
      addon.batchNormReluMaxPoolTrainForward(garbled(x, n, c, hw, ch.zeroIn, -1e30), n, c, h, w, ch.gamma, ch.beta, eps, out1, m1, lo1, is1, null, ch.zeroIn, zeroOut);
      expectSame(`${isa} pooled out`, out1, out0);
      expectSame(`${isa} invstd`, is1, is0);
      expect(Array.from(zeroOut)).toEqual(expectedZeroOut(out0, n, c, q, ch.zeroIn));

      const grads = () => [new Float32Array(size).fill(NaN), new Float32Array(c).fill(NaN), new Float32Array(c).fill(NaN), new Float32Array(c).fill(NaN)] as const;
      const [gx0, gg0, gb0, s0] = grads(), [gx1, gg1, gb1, s1] = grads();
      addon.batchNormReluMaxPoolBackward(gy, x, n, c, h, w, m0, lo0, is0, ch.gamma, ch.beta, gx0, gg0, gb0, s0);
      const xs = garbled(x, n, c, hw, ch.skipped, 1e30), gys = garbled(gy, n, c, q, ch.skipped, NaN);
      addon.batchNormReluMaxPoolBackward(gys, xs, n, c, h, w, m0, lo0, is0, ch.gamma, ch.beta, gx1, gg1, gb1, s1, ch.zeroIn);
      expectSame(`${isa} gx`, gx1, gx0);
      expectSame(`${isa} ggamma`, gg1, gg0);
      expectSame(`${isa} gbeta`, gb1, gb0);
      expectSame(`${isa} gxSum`, s1, s0);
    });
  });
});

test('zero channel flags: named errors for a wrong type or length', () => {
  const n = 2, c = 3, hw = 4, x = randomArray(n * c * hw), out = new Float32Array(n * c * hw);
  const c3 = () => new Float32Array(c);
  const fwd = 'batchNormReluTrainForward';
  expectThrows(() => addon.batchNormReluTrainForward(x, n, c, hw, null, null, 1e-5, out, c3(), c3(), c3(), null, new Uint8Array(2)), 'RangeError', fwd, "'zeroIn'");
  expectThrows(() => addon.batchNormReluTrainForward(x, n, c, hw, null, null, 1e-5, out, c3(), c3(), c3(), null, [1, 0, 0]), 'TypeError', fwd, "'zeroIn'");
  expectThrows(() => addon.batchNormReluTrainForward(x, n, c, hw, null, null, 1e-5, out, c3(), c3(), c3(), null, null, new Float32Array(3)), 'TypeError', fwd, "'zeroOut'");
  expectThrows(
    () => addon.batchNormReluBackward(x, x, n, c, hw, c3(), c3(), c3(), null, null, out, null, null, null, new Uint8Array(1)),
    'RangeError',
    'batchNormReluBackward',
    "'zeroIn'",
  );
  expectThrows(
    () => addon.batchNormReluMaxPoolTrainForward(x, n, c, 2, 2, null, null, 1e-5, new Float32Array(n * c), c3(), c3(), c3(), null, new Uint8Array(3), new Uint8Array(2)),
    'RangeError',
    'batchNormReluMaxPoolTrainForward',
    "'zeroOut'",
  );
});
