// Zero channels handed from layer to layer (lib/ops/activation-notes.ts): the compressed
// convolution records the output channels that are zeros by construction, the fused batch
// norm + ReLU skips reading them and records the channels it leaves all zero, and the next
// convolution carries them on. A chain with the records gives the values and gradients of
// the same chain with every record dropped (a copy after each layer), and the records say
// only what is true.
import { compressWeight } from '../../lib/backend/sparse';
import { patternFromMask } from '../../lib/backend/sparse/pattern';
import { fromArray, tidy, type Tensor } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { grad } from '../../lib/autograd';
import { recordedZeroChannels, zeroChannelsTaken } from '../../lib/ops/activation-notes';
import { zeroOutputChannels } from '../../lib/ops/sparse-conv2d';
import { randn, seededRandom } from './seeded-random';

const SEED = (Date.now() % 1_000_003) >>> 0;

/** Numbers with -0 read as 0 (the records may change a zero's sign, nothing else). */
const values = (t: Tensor) => t.toArray().map((v: number) => (v === 0 ? 0 : v));

/**
 * A mask [o, c, 3, 3] where row r keeps survivors only in the input channels `reads(r)`
 * (about half of their taps, at least one), none when it returns [].
 */
function mask(oc: number, c: number, reads: (r: number) => number[], seed: number): Float32Array {
  const rand = seededRandom(seed);
  const m = new Float32Array(oc * c * 9);
  for (let r = 0; r < oc; r++) {
    const chans = reads(r);
    chans.forEach((ch, k) => {
      for (let t = 0; t < 9; t++) if (rand() < 0.5 || t === k % 9) m[(r * c + ch) * 9 + t] = 1;
    });
  }
  return m;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('zero output channels of the compressed convolution (seed ' + SEED + ')', () => {
  const g = { n: 1, c: 4, h: 5, w: 5, o: 6, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1, oh: 5, ow: 5 };
  // Row 0 empty, row 1 reads channel 0, row 2 channels 0 and 1, row 3 channel 2, rows 4-5 all.
  const p = patternFromMask(mask(6, 4, (r) => [[], [0], [0, 1], [2], range(4), range(4)][r], SEED), 6, 36);
  const vals = randn(p.nnz, SEED + 1);

  it('without zero inputs: the rows without survivors', () => {
    expect(Array.from(zeroOutputChannels(p, g, null, vals, null))).toEqual([1, 0, 0, 0, 0, 0]);
  });

  it('with zero inputs: the rows reading only them, unless a bias or a non-finite value stands in the way', () => {
    const zeroIn = Uint8Array.from([1, 1, 0, 0]);
    expect(Array.from(zeroOutputChannels(p, g, zeroIn, vals, null))).toEqual([1, 1, 1, 0, 0, 0]);
    const bias = new Float32Array([0, 0.5, -0, 0, 0, 0]);
    expect(Array.from(zeroOutputChannels(p, g, zeroIn, vals, bias))).toEqual([1, 0, 1, 0, 0, 0]);
    const inf = vals.slice();
    inf[p.rowPtr[2]] = Infinity; // 0 x Inf is NaN: row 2's output is not zeros
    expect(Array.from(zeroOutputChannels(p, g, zeroIn, inf, null))).toEqual([1, 1, 0, 0, 0, 0]);
  });

  it('groups: a row reads the channels of its own group', () => {
    // 2 groups, 4 outputs over 4 inputs: rows 0-1 read channels 0-1, rows 2-3 channels 2-3.
    const gg = { ...g, groups: 2, o: 4 };
    const pg = patternFromMask(mask(4, 2, (r) => [[0], [1], [0], [0, 1]][r], SEED + 2), 4, 18);
    const v = randn(pg.nnz, SEED + 3);
    expect(Array.from(zeroOutputChannels(pg, gg, Uint8Array.from([1, 0, 1, 0]), v, null))).toEqual([1, 0, 1, 0]);
    expect(Array.from(zeroOutputChannels(pg, gg, Uint8Array.from([0, 1, 1, 1]), v, null))).toEqual([0, 1, 1, 1]);
  });
});

describe('a chain of compressed convolutions and fused batch norms with zero channels (seed ' + SEED + ')', () => {
  /**
   * conv (3 -> 8, 16x16; rows 0, 1, 2, 5 empty) -> bn + relu (beta < 0 on 0, 1; > 0 on 2;
   * 0 on 5) -> conv (8 -> 8; rows 0-2 read channels 0, 1, 5 only, row 3 channel 2) -> bn +
   * relu + max pool -> conv (8 -> 6, 8x8: rows 0-1 read zero channels) -> bn + relu (the span
   * path), then sum(out r). `copy` puts a copy after every layer: no records anywhere.
   */
  function run(copy: boolean) {
    return tidy(() => {
      const n = 2;
      const keep = (t: Tensor) => (copy ? o.add(t, 0) : t);
      const x = fromArray(randn(n * 3 * 16 * 16, SEED + 10), [n, 3, 16, 16]);
      const layer = (oc: number, c: number, reads: (r: number) => number[], seed: number) => {
        const cw = compressWeight(randn(oc * c * 9, seed), mask(oc, c, reads, seed + 1), [oc, c, 3, 3]);
        return { w: cw.weight, v: fromArray(cw.values, [cw.values.length]).requiresGrad_() };
      };
      const affine = (c: number, seed: number, beta: (ch: number) => number | null) => ({
        weight: fromArray(randn(c, seed).map((v) => 1 + 0.3 * v), [c]).requiresGrad_(),
        bias: fromArray(randn(c, seed + 1).map((v, ch) => beta(ch) ?? v), [c]).requiresGrad_(),
        training: true,
        eps: 1e-5,
      });
      const l1 = layer(8, 3, (r) => ([0, 1, 2, 5].includes(r) ? [] : range(3)), SEED + 20);
      const l2 = layer(8, 8, (r) => (r < 3 ? [0, 1, 5] : r === 3 ? [2] : range(8)), SEED + 30);
      const l3 = layer(6, 8, (r) => (r < 2 ? [0, 1, 2] : range(8)), SEED + 40);
      const bn1 = affine(8, SEED + 50, (ch) => [-0.2, -0.4, 0.3, null, null, 0][ch] ?? null);
      const bn2 = affine(8, SEED + 60, (ch) => (ch < 3 ? [-0.1, 0, -0.3][ch] : null));
      const bn3 = affine(6, SEED + 70, (ch) => (ch < 2 ? -0.2 : null));
      const taken = zeroChannelsTaken.count;
      const y1 = keep(o.sparseConv2d(x, l1.w, l1.v, null, { padding: 1 }));
      const a1 = keep(o.batchNormRelu(y1, bn1));
      const y2 = keep(o.sparseConv2d(a1, l2.w, l2.v, null, { padding: 1 }));
      const a2 = keep(o.batchNormReluMaxPool2d(y2, bn2));
      const y3 = keep(o.sparseConv2d(a2, l3.w, l3.v, null, { padding: 1 }));
      const out = o.batchNormRelu(y3, bn3);
      const records = [y1, a1, y2, a2, y3].map((t) => recordedZeroChannels(t));
      const recordsTaken = zeroChannelsTaken.count - taken;
      const r = fromArray(randn(out.size, SEED + 80), out.shape);
      const params = [l1.v, l2.v, l3.v, bn1.weight, bn1.bias, bn2.weight, bn2.bias, bn3.weight, bn3.bias];
      const grads = grad(o.sum(o.mul(out, r)), params).map((g) => values(g!));
      return { out: values(out), grads, records, recordsTaken, tensors: [y1, a1, y2, a2, y3].map((t) => ({ shape: t.shape, data: t.toArray() })) };
    });
  }

  it('max pooling carries the records of its input', () => {
    tidy(() => {
      const cw = compressWeight(randn(4 * 2 * 9, SEED + 90), mask(4, 2, (r) => (r % 2 ? range(2) : []), SEED + 91), [4, 2, 3, 3]);
      const y = o.sparseConv2d(fromArray(randn(2 * 2 * 6 * 6, SEED + 92), [2, 2, 6, 6]), cw.weight, fromArray(cw.values, [cw.values.length]), null, { padding: 1 });
      const pooled = o.maxPool2d(y, { kernelSize: 3, stride: 2, padding: 1 });
      expect(Array.from(recordedZeroChannels(pooled)!)).toEqual([1, 0, 1, 0]);
      expect(recordedZeroChannels(o.maxPool2d(o.add(y, 0), { kernelSize: 2 }))).toBeNull();
    });
  });

  it('the same outputs and gradients as without records; the records hold only zeros', () => {
    const withRecords = run(false);
    const without = run(true);
    expect(withRecords.out).toEqual(without.out);
    expect(withRecords.grads).toEqual(without.grads);
    expect(without.records.every((r) => r === null)).toBe(true);
    expect(withRecords.recordsTaken).toBe(5 + 5); // by the ops reading y1, a1, y2, a2, y3, then by this test
    const flags = withRecords.records.map((r) => (r ? Array.from(r) : null));
    expect(flags).toEqual([
      [1, 1, 1, 0, 0, 1, 0, 0], // empty rows
      [1, 1, 0, 0, 0, 1, 0, 0], // channel 2's beta > 0: relu(beta) everywhere, not zero
      [1, 1, 1, 0, 0, 0, 0, 0], // rows reading channels 0, 1, 5 only
      [1, 1, 1, 0, 0, 0, 0, 0], // betas <= 0
      [1, 1, 0, 0, 0, 0], // rows reading channels 0-2, all zero after the pool
    ]);
    withRecords.tensors.forEach(({ shape, data }, k) => {
      const plane = shape[2] * shape[3];
      data.forEach((v: number, i: number) => {
        if (flags[k]![Math.floor(i / plane) % shape[1]] && v !== 0) throw new Error(`record ${k}: element ${i} is ${v}, not zero`);
      });
    });
  });
});
