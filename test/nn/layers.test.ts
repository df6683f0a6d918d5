import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm1d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Identity,
  Identity2d,
  Linear,
  MaxPool2d,
  ReLU,
} from '../../lib/nn';
import { Tensor } from '../../lib/tensor';

const t = (data: number[], shape: number[]) => Tensor.fromStorage(Float32Array.from(data), shape);
const seq = (n: number, f = (i: number) => Math.sin(i * 1.3 + 0.2)) => Array.from({ length: n }, (_, i) => f(i));

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(tol);
}

describe('layers compute what their PyTorch namesakes compute', () => {
  test('Linear: y = x W^T + b, bias optional, Kaiming-initialized from its seed', () => {
    const l = new Linear(3, 2, { seed: 4 });
    expect(l.weight.shape).toEqual([2, 3]);
    (l.bias!.data() as Float32Array).set([0.5, -1]);
    const w = l.weight.data();
    const x = [1, 2, 3, -1, 0, 2];
    const y = l.forward(t(x, [2, 3])).data();
    const expected = [0, 1].flatMap((r) => [0, 1].map((o) => x[3 * r] * w[3 * o] + x[3 * r + 1] * w[3 * o + 1] + x[3 * r + 2] * w[3 * o + 2] + [0.5, -1][o]));
    close(y, expected);
    expect(new Linear(3, 2, { bias: false, seed: 1 }).bias).toBeNull();
    expect(Array.from(new Linear(3, 2, { seed: 4 }).weight.data())).toEqual(Array.from(w));
    expect(() => new Linear(0, 2)).toThrow(/Linear: inFeatures must be a positive integer/);
  });

  test('Conv2d with stride, padding and groups matches a direct sum', () => {
    const c = new Conv2d(4, 2, [3, 2], { stride: [2, 1], padding: [1, 0], groups: 2, seed: 3 });
    expect(c.weight.shape).toEqual([2, 2, 3, 2]);
    (c.bias!.data() as Float32Array).set([0.25, -0.5]);
    const [n, ci, h, wd] = [1, 4, 5, 3];
    const x = seq(n * ci * h * wd);
    const y = c.forward(t(x, [n, ci, h, wd]));
    expect(y.shape).toEqual([1, 2, 3, 2]);
    const w = c.weight.data();
    const out: number[] = [];
    for (let o = 0; o < 2; o++)
      for (let oy = 0; oy < 3; oy++)
        for (let ox = 0; ox < 2; ox++) {
          let s = [0.25, -0.5][o];
          for (let k = 0; k < 2; k++)
            for (let ky = 0; ky < 3; ky++)
              for (let kx = 0; kx < 2; kx++) {
                const iy = oy * 2 - 1 + ky;
                const ix = ox + kx;
                if (iy < 0 || iy >= h) continue;
                s += x[((o * 2 + k) * h + iy) * wd + ix] * w[((o * 2 + k) * 3 + ky) * 2 + kx];
              }
          out.push(s);
        }
    close(y.data(), out);
    expect(() => new Conv2d(3, 4, 3, { groups: 2 })).toThrow(/groups \(2\) must divide/);
  });

  test('BatchNorm2d: batch statistics in training (running stats updated, unbiased), running stats in eval', () => {
    const bn = new BatchNorm2d(2);
    const x = seq(2 * 2 * 3, (i) => (i % 5) - 1.5 + 0.1 * i);
    const y = bn.forward(t(x, [2, 2, 1, 3])).data();
    for (let c = 0; c < 2; c++) {
      const v = [0, 1].flatMap((b) => [0, 1, 2].map((j) => x[(b * 2 + c) * 3 + j]));
      const mean = v.reduce((a, b) => a + b) / 6;
      const varB = v.reduce((a, b) => a + (b - mean) ** 2, 0) / 6;
      const got = [0, 1].flatMap((b) => [0, 1, 2].map((j) => y[(b * 2 + c) * 3 + j]));
      close(got, v.map((u) => (u - mean) / Math.sqrt(varB + 1e-5)), 1e-4);
      expect(bn.runningMean.data()[c]).toBeCloseTo(0.1 * mean, 5);
      expect(bn.runningVar.data()[c]).toBeCloseTo(0.9 + 0.1 * varB * (6 / 5), 5);
    }
    expect(bn.numBatchesTracked).toBe(1);
    expect(bn.stateDict().get('num_batches_tracked')!.item()).toBe(1);
    bn.eval();
    const rm = Array.from(bn.runningMean.data());
    const rv = Array.from(bn.runningVar.data());
    const ye = bn.forward(t(x, [2, 2, 1, 3])).data();
    close(ye, x.map((u, i) => {
      const c = Math.floor(i / 3) % 2;
      return (u - rm[c]) / Math.sqrt(rv[c] + 1e-5);
    }), 1e-4);
    expect(bn.numBatchesTracked).toBe(1);
    expect(() => bn.forward(t(seq(6), [2, 3]))).toThrow(/BatchNorm2d: expected \[n, c, h, w\]/);
  });

  test('BatchNorm1d normalizes [n, c] and rejects 4-D input', () => {
    const bn = new BatchNorm1d(3);
    const y = bn.forward(t(seq(12), [4, 3])).data();
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let r = 0; r < 4; r++) s += y[r * 3 + c];
      expect(Math.abs(s)).toBeLessThan(1e-5);
    }
    expect(() => bn.forward(t(seq(12), [1, 3, 2, 2]))).toThrow(/BatchNorm1d/);
  });

  test('pooling, flatten, ReLU, Identity and the identity scale', () => {
    const x = t(seq(16, (i) => i * (i % 3 === 0 ? -1 : 1)), [1, 1, 4, 4]);
    expect(Array.from(new MaxPool2d(2).forward(x).data())).toEqual([5, 7, 13, 14]);
    // x = [[0, 1, 2, -3], [4, 5, -6, 7], [8, -9, 10, 11], [-12, 13, 14, -15]]
    close(new AvgPool2d(2).forward(x).data(), [(0 + 1 + 4 + 5) / 4, (2 - 3 - 6 + 7) / 4, (8 - 9 - 12 + 13) / 4, (10 + 11 + 14 - 15) / 4]);
    close(new AdaptiveAvgPool2d(1).forward(x).data(), [seq(16, (i) => i * (i % 3 === 0 ? -1 : 1)).reduce((a, b) => a + b) / 16]);
    expect(new Flatten().forward(x).shape).toEqual([1, 16]);
    expect(Array.from(new ReLU().forward(t([-1, 0, 2], [3])).data())).toEqual([0, 0, 2]);
    expect(new Identity().forward(x)).toBe(x);
    const s = new Identity2d(2);
    (s.weight.data() as Float32Array).set([2, -1]);
    expect(Array.from(s.forward(t([1, 2, 3, 4], [1, 2, 1, 2])).data())).toEqual([2, 4, -3, -4]);
  });

  test('Dropout: identity in eval; in training zeroes about p and scales the rest by 1 / (1 - p)', () => {
    const d = new Dropout(0.25, { seed: 9 });
    const x = t(new Array(4000).fill(1), [4000]);
    const y = Array.from(d.forward(x).data());
    const zeros = y.filter((v) => v === 0).length;
    expect(Math.abs(zeros / 4000 - 0.25)).toBeLessThan(0.03);
    expect(y.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6)).toBe(true);
    const y2 = Array.from(d.forward(x).data());
    expect(y2).not.toEqual(y);
    d.eval();
    expect(d.forward(x)).toBe(x);
    expect(() => new Dropout(1)).toThrow(/p must be in \[0, 1\)/);
  });
});
