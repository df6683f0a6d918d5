/** Ops against values worked out by hand (independent of the reference kernels). */
import { fromArray, ones, zeros, type Tensor } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { philoxUniform } from '../../lib/backend/reference/philox';

const f64 = { backend: 'reference' as const, dtype: 'float64' as const };
const t = (v: number[], shape: number[]) => fromArray(v, shape, f64);
const close = (a: Tensor | number[], b: number[], tol = 1e-12) => {
  const av = Array.isArray(a) ? a : a.toArray();
  expect(av.length).toBe(b.length);
  av.forEach((x, i) => expect(Math.abs(x - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]))));
};

test('conv2d: a diagonal 2x2 kernel, zero padding, groups', () => {
  const x = t([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
  close(o.conv2d(x, t([1, 0, 0, 1], [1, 1, 2, 2])), [6, 8, 12, 14]);
  // A 3x3 box filter over ones with padding 1 counts the in-image neighbours.
  close(o.conv2d(ones([1, 1, 3, 3], f64), ones([1, 1, 3, 3], f64), null, { padding: 1 }), [4, 6, 4, 6, 9, 6, 4, 6, 4]);
  // Stride 2, dilation 2: the four corners of the padded 3x3 only.
  close(o.conv2d(x, t([1, 1, 1, 1], [1, 1, 2, 2]), t([0.5], [1]), { dilation: 2 }), [1 + 3 + 7 + 9 + 0.5]);
  // Depthwise: channel 0 scaled by 2, channel 1 by -1.
  const x2 = t([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
  close(o.conv2d(x2, t([2, -1], [2, 1, 1, 1]), null, { groups: 2 }), [2, 4, 6, 8, -5, -6, -7, -8]);
});

test('pooling: max with its gradient, average with zero padding counted, adaptive windows', () => {
  const x = t([1, 5, 2, 0, 3, 4, 8, 7, 6, 1, 0, 2, 9, 3, 4, 5], [1, 1, 4, 4]).requiresGrad_();
  const y = o.maxPool2d(x, { kernelSize: 2 });
  close(y, [5, 8, 9, 5]);
  o.sum(y).backward();
  close(x.grad!, [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1]);
  close(o.avgPool2d(ones([1, 1, 2, 2], f64), { kernelSize: 2, stride: 1, padding: 1 }), [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25]);
  // 5 -> 3 windows are [0, 2), [1, 4), [3, 5).
  close(o.adaptiveAvgPool2d(t([1, 2, 3, 4, 5], [1, 1, 1, 5]), [1, 3]), [1.5, 3, 4.5]);
  close(o.globalAvgPool2d(t([1, 2, 3, 6], [1, 1, 2, 2])), [3]);
});

test('batch norm: batch statistics, running statistics with the unbiased variance, evaluation', () => {
  const x = t([1, 10, 2, 20, 3, 30, 4, 40], [4, 2]);
  const rm = zeros([2], f64);
  const rv = ones([2], f64);
  const eps = 1e-5;
  const y = o.batchNorm(x, { runningMean: rm, runningVar: rv, training: true, momentum: 0.5, eps });
  const s0 = Math.sqrt(1.25 + eps);
  const s1 = Math.sqrt(125 + eps);
  close(y, [-1.5 / s0, -15 / s1, -0.5 / s0, -5 / s1, 0.5 / s0, 5 / s1, 1.5 / s0, 15 / s1], 1e-9);
  close(rm, [1.25, 12.5], 1e-9);
  close(rv, [0.5 + 0.5 * (5 / 3), 0.5 + 0.5 * (500 / 3)], 1e-6);
  const e = o.batchNorm(t([2, 3], [1, 2]), { runningMean: t([1, 2], [2]), runningVar: t([4, 16], [2]), weight: t([2, 1], [2]), bias: t([0, 1], [2]), training: false, eps: 0 });
  close(e, [2 * (1 / 2), 1 + 1 / 4]);
});

test('softmax, log-softmax, cross-entropy and NLL on hand-computed values', () => {
  const logits = t([0, Math.log(2), Math.log(3), 0], [2, 2]);
  close(o.softmax(logits), [1 / 3, 2 / 3, 3 / 4, 1 / 4]);
  close(o.logSoftmax(logits), [Math.log(1 / 3), Math.log(2 / 3), Math.log(3 / 4), Math.log(1 / 4)]);
  const labels = Int32Array.of(1, 1);
  close(o.crossEntropy(logits, labels, { reduction: 'none' }), [-Math.log(2 / 3), -Math.log(1 / 4)]);
  close(o.crossEntropy(logits, labels), [(-Math.log(2 / 3) - Math.log(1 / 4)) / 2]);
  close(o.nllLoss(o.logSoftmax(logits), labels, { reduction: 'sum' }), [-Math.log(2 / 3) - Math.log(1 / 4)]);
  const l = logits.detach().requiresGrad_();
  o.crossEntropy(l, labels).backward();
  close(l.grad!, [1 / 6, -1 / 6, 3 / 8, -3 / 8]);
});

test('matmul, linear, reductions, argmax', () => {
  close(o.matmul(t([1, 2, 3, 4], [2, 2]), t([5, 6, 7, 8], [2, 2])), [19, 22, 43, 50]);
  close(o.linear(t([1, 2], [1, 2]), t([1, 0, 0, 1, 1, 1], [3, 2]), t([0, 0, 10], [3])), [1, 2, 13]);
  const x = t([1, 5, 3, 7, 2, 8], [2, 3]);
  close(o.sum(x, 0), [8, 7, 11]);
  close(o.mean(x, 1), [3, 17 / 3]);
  close(o.max(x, 1), [5, 8]);
  close(o.argmax(x, 1), [1, 2]);
  close(o.argmax(t([2, 2, 1], [3]), 0), [0]);
});

test('dropout keeps exactly the entries whose Philox uniform is at least p, scaled by 1 / (1 - p)', () => {
  const x = ones([50], f64);
  const y = o.dropout(x, 0.4, { seed: 1234, offset: 7 }).toArray();
  const u = new Float64Array(50);
  philoxUniform(1234, 7, u);
  y.forEach((v, i) => expect(v).toBeCloseTo(u[i] >= 0.4 ? 1 / 0.6 : 0, 12));
  expect(o.dropout(x, 0.4, { training: false })).toBe(x);
});

test('layout ops: concat, channel padding, strided subsample', () => {
  close(o.concat([t([1, 2], [1, 2]), t([3, 4, 5, 6], [2, 2])], 0), [1, 2, 3, 4, 5, 6]);
  close(o.concat([t([1, 2], [2, 1]), t([3, 4], [2, 1])], 1), [1, 3, 2, 4]);
  close(o.padChannels(t([1, 2], [1, 2, 1, 1]), 1, 1), [0, 1, 2, 0]);
  close(o.subsample2d(t([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]), 2), [1, 3, 7, 9]);
});
