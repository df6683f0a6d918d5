/**
 * The op case table shared by the conformance suite (every op on every backend against the
 * float64 reference) and the finite-difference gradient checks. Shapes are deliberately odd:
 * 1, primes, non-square, stride 2, padding 0/1/2.
 */
import type { Tensor } from '../../lib/tensor';
import { zeros, ones } from '../../lib/tensor';
import * as o from '../../lib/ops';

/** How an input's values are drawn. */
export type InputKind = 'normal' | 'positive' | 'mask' | 'distinct' | 'offKinks';

/** One input of a case: its shape, value kind and whether gradients are checked for it. */
export interface InputSpec {
  shape: number[];
  kind?: InputKind;
  /** Checked by the gradient tests (default true for float inputs). */
  grad?: boolean;
}

/** One op invocation to check. */
export interface OpCase {
  name: string;
  inputs: InputSpec[];
  /** Runs the op; extra outputs (e.g. running statistics) are compared but not differentiated. */
  run: (xs: Tensor[]) => Tensor | Tensor[];
  /** Relative tolerance of float32 against float64 (default 2e-4). */
  tol?: number;
}

const n = (shape: number[], kind: InputKind = 'normal', grad = true): InputSpec => ({ shape, kind, grad });
const c = (shape: number[], kind: InputKind = 'normal'): InputSpec => ({ shape, kind, grad: false });

function bn(x: Tensor, gamma: Tensor | null, beta: Tensor | null, training: boolean): Tensor[] {
  const ch = x.shape[1];
  const opts = { backend: x.backend, dtype: x.dtype };
  const rm = training ? zeros([ch], opts) : o.affine(ones([ch], opts), 0.3, 0);
  const rv = training ? ones([ch], opts) : o.affine(ones([ch], opts), 1.7, 0);
  const y = o.batchNorm(x, { runningMean: rm, runningVar: rv, weight: gamma, bias: beta, training, momentum: 0.2, eps: 1e-3 });
  return [y, rm, rv];
}

/** batchNormRelu with fresh running statistics, like bn. */
function bnRelu(x: Tensor, gamma: Tensor | null, beta: Tensor | null, training: boolean): Tensor[] {
  const ch = x.shape[1];
  const opts = { backend: x.backend, dtype: x.dtype };
  const rm = training ? zeros([ch], opts) : o.affine(ones([ch], opts), 0.3, 0);
  const rv = training ? ones([ch], opts) : o.affine(ones([ch], opts), 1.7, 0);
  const y = o.batchNormRelu(x, { runningMean: rm, runningVar: rv, weight: gamma, bias: beta, training, momentum: 0.2, eps: 1e-3 });
  return [y, rm, rv];
}

/** batchNormReluMaxPool2d in training with fresh running statistics. */
function bnReluPool(x: Tensor, gamma: Tensor | null, beta: Tensor | null): Tensor[] {
  const ch = x.shape[1];
  const opts = { backend: x.backend, dtype: x.dtype };
  const rm = zeros([ch], opts);
  const rv = ones([ch], opts);
  const y = o.batchNormReluMaxPool2d(x, { runningMean: rm, runningVar: rv, weight: gamma, bias: beta, training: true, momentum: 0.2, eps: 1e-3 });
  return [y, rm, rv];
}

/** batchNormAddRelu (residual r, optional per-channel scale s) in training with fresh running statistics. */
function bnAddRelu(x: Tensor, r: Tensor, s: Tensor | null, gamma: Tensor | null, beta: Tensor | null): Tensor[] {
  const ch = x.shape[1];
  const opts = { backend: x.backend, dtype: x.dtype };
  const rm = zeros([ch], opts);
  const rv = ones([ch], opts);
  const y = o.batchNormAddRelu(x, r, { runningMean: rm, runningVar: rv, weight: gamma, bias: beta, training: true, momentum: 0.2, eps: 1e-3 }, s);
  return [y, rm, rv];
}

const LABELS_5 = Int32Array.of(2, 0, 4, 4, 1);

/** Every op, with several geometries for the spatial ones. */
export const OP_CASES: OpCase[] = [
  // elementwise with broadcasting
  { name: 'add [3,5]+[5]', inputs: [n([3, 5]), n([5])], run: ([a, b]) => o.add(a, b) },
  { name: 'add [2,1,3]+[4,1]', inputs: [n([2, 1, 3]), n([4, 1])], run: ([a, b]) => o.add(a, b) },
  { name: 'add scalar', inputs: [n([7])], run: ([a]) => o.add(a, 2.5) },
  { name: 'sub [1,7]-[3,1]', inputs: [n([1, 7]), n([3, 1])], run: ([a, b]) => o.sub(a, b) },
  { name: 'sub number-x', inputs: [n([2, 3])], run: ([a]) => o.sub(1, a) },
  { name: 'mul [3,1,5]*[1,4,1]', inputs: [n([3, 1, 5]), n([1, 4, 1])], run: ([a, b]) => o.mul(a, b) },
  { name: 'mul same shape', inputs: [n([2, 3, 5]), n([2, 3, 5])], run: ([a, b]) => o.mul(a, b) },
  // Past the cpu backend's small-array JS path, so the native same-shape kernels run too.
  { name: 'mul same shape [17,19]', inputs: [n([17, 19]), n([17, 19])], run: ([a, b]) => o.mul(a, b) },
  { name: 'sub same shape [7,53]', inputs: [n([7, 53]), n([7, 53])], run: ([a, b]) => o.sub(a, b) },
  { name: 'div [4,3]/[3]', inputs: [n([4, 3]), n([3], 'positive')], run: ([a, b]) => o.div(a, b) },
  { name: 'div number/x', inputs: [n([5], 'positive')], run: ([a]) => o.div(2, a) },
  { name: 'pow x^3', inputs: [n([2, 5])], run: ([a]) => o.pow(a, 3) },
  { name: 'pow x^2', inputs: [n([3, 3])], run: ([a]) => o.pow(a, 2) },
  { name: 'pow x^0.5', inputs: [n([7], 'positive')], run: ([a]) => o.pow(a, 0.5) },
  { name: 'pow x^t', inputs: [n([2, 3], 'positive'), n([3])], run: ([a, b]) => o.pow(a, b) },
  { name: 'neg', inputs: [n([3, 2])], run: ([a]) => o.neg(a) },
  { name: 'abs', inputs: [n([11], 'offKinks')], run: ([a]) => o.abs(a) },
  { name: 'sign', inputs: [n([11])], run: ([a]) => o.sign(a) },
  { name: 'exp', inputs: [n([2, 7])], run: ([a]) => o.exp(a) },
  { name: 'log', inputs: [n([13], 'positive')], run: ([a]) => o.log(a) },
  { name: 'sqrt', inputs: [n([3, 5], 'positive')], run: ([a]) => o.sqrt(a) },
  { name: 'clamp', inputs: [n([17], 'offKinks')], run: ([a]) => o.clamp(a, -0.5, 0.7) },
  { name: 'clamp min only', inputs: [n([5], 'offKinks')], run: ([a]) => o.clamp(a, 0.1) },
  { name: 'relu', inputs: [n([3, 7], 'offKinks')], run: ([a]) => o.relu(a) },
  // Past the cpu backend's small-array JS path, so the native reluBackward runs too.
  { name: 'relu [17,19]', inputs: [n([17, 19], 'offKinks')], run: ([a]) => o.relu(a) },
  { name: 'reluGrad', inputs: [n([17, 19]), c([17, 19])], run: ([g, out]) => o.reluGrad(g, out) },
  { name: 'where', inputs: [c([3, 1], 'mask'), n([3, 4]), n([4])], run: ([m, a, b]) => o.where(m, a, b) },
  { name: 'maskedFill', inputs: [n([2, 5]), c([5], 'mask')], run: ([a, m]) => o.maskedFill(a, m, -3) },
  { name: 'maximum', inputs: [n([3, 5]), n([5])], run: ([a, b]) => o.maximum(a, b) },
  { name: 'minimum', inputs: [n([4, 1]), n([4, 3])], run: ([a, b]) => o.minimum(a, b) },
  // reductions
  { name: 'sum all', inputs: [n([3, 5, 2])], run: ([a]) => o.sum(a) },
  { name: 'sum axis 1', inputs: [n([3, 5, 2])], run: ([a]) => o.sum(a, 1) },
  { name: 'sum axes [0,2] keepDims', inputs: [n([3, 5, 2])], run: ([a]) => o.sum(a, [0, 2], true) },
  { name: 'sum axis -1', inputs: [n([7, 3])], run: ([a]) => o.sum(a, -1) },
  { name: 'mean axes [1,2]', inputs: [n([2, 3, 5])], run: ([a]) => o.mean(a, [1, 2]) },
  { name: 'mean all', inputs: [n([1, 7])], run: ([a]) => o.mean(a) },
  { name: 'max axis 1', inputs: [n([3, 7, 2], 'distinct')], run: ([a]) => o.max(a, 1) },
  { name: 'max all keepDims', inputs: [n([5, 3], 'distinct')], run: ([a]) => o.max(a, undefined, true) },
  { name: 'argmax', inputs: [c([4, 7], 'distinct')], run: ([a]) => o.argmax(a, 1) },
  { name: 'broadcastTo', inputs: [n([3, 1])], run: ([a]) => o.broadcastTo(a, [2, 3, 4]) },
  // layout
  { name: 'reshape', inputs: [n([2, 6])], run: ([a]) => o.mul(o.reshape(a, [3, -1]), 2) },
  { name: 'flatten 1', inputs: [n([2, 3, 2, 2])], run: ([a]) => o.flatten(a, 1) },
  { name: 'transpose', inputs: [n([3, 5])], run: ([a]) => o.transpose(a, 0, 1) },
  { name: 'permute', inputs: [n([2, 3, 5])], run: ([a]) => o.permute(a, [2, 0, 1]) },
  { name: 'slice', inputs: [n([5, 3])], run: ([a]) => o.mul(o.slice(a, 1, 4), 1) },
  { name: 'narrow axis 2', inputs: [n([2, 3, 7])], run: ([a]) => o.narrow(a, 2, 2, 3) },
  { name: 'concat axis 1', inputs: [n([2, 3, 2]), n([2, 1, 2]), n([2, 5, 2])], run: (xs) => o.concat(xs, 1) },
  { name: 'concat axis 0', inputs: [n([1, 3]), n([2, 3])], run: (xs) => o.concat(xs, 0) },
  { name: 'padChannels', inputs: [n([2, 3, 3, 2])], run: ([a]) => o.padChannels(a, 2, 1) },
  { name: 'subsample2d s2 odd', inputs: [n([2, 3, 5, 7])], run: ([a]) => o.subsample2d(a, 2) },
  { name: 'subsample2d s3', inputs: [n([1, 2, 7, 6])], run: ([a]) => o.subsample2d(a, 3) },
  { name: 'clone', inputs: [n([3, 2])], run: ([a]) => o.clone(a) },
  // matrix products
  { name: 'matmul [3,7]x[7,5]', inputs: [n([3, 7]), n([7, 5])], run: ([a, b]) => o.matmul(a, b) },
  { name: 'matmul [1,1]x[1,1]', inputs: [n([1, 1]), n([1, 1])], run: ([a, b]) => o.matmul(a, b) },
  { name: 'matmul batched', inputs: [n([2, 3, 4]), n([2, 4, 5])], run: ([a, b]) => o.matmul(a, b) },
  { name: 'matmul 3D x 2D', inputs: [n([2, 3, 4]), n([4, 5])], run: ([a, b]) => o.matmul(a, b) },
  { name: 'matmul 2D x 3D', inputs: [n([3, 4]), n([2, 4, 5])], run: ([a, b]) => o.matmul(a, b) },
  { name: 'matmulT a^T b^T', inputs: [n([7, 3]), n([5, 7])], run: ([a, b]) => o.matmulT(a, b, true, true) },
  { name: 'matmulT batched a^T', inputs: [n([2, 4, 3]), n([2, 4, 5])], run: ([a, b]) => o.matmulT(a, b, true, false) },
  { name: 'linear bias', inputs: [n([5, 7]), n([3, 7]), n([3])], run: ([x, w, b]) => o.linear(x, w, b) },
  { name: 'linear no bias 3-D x', inputs: [n([2, 3, 4]), n([5, 4])], run: ([x, w]) => o.linear(x, w) },
  // softmax and losses
  { name: 'softmax', inputs: [n([3, 7])], run: ([a]) => o.softmax(a) },
  { name: 'softmax axis 0', inputs: [n([5, 2])], run: ([a]) => o.softmax(a, 0) },
  { name: 'logSoftmax', inputs: [n([4, 5])], run: ([a]) => o.logSoftmax(a) },
  { name: 'logSoftmax axis 1 of 3-D', inputs: [n([2, 3, 2])], run: ([a]) => o.logSoftmax(a, 1) },
  { name: 'crossEntropy mean', inputs: [n([5, 5])], run: ([a]) => o.crossEntropy(a, LABELS_5) },
  { name: 'crossEntropy sum', inputs: [n([5, 7])], run: ([a]) => o.crossEntropy(a, LABELS_5, { reduction: 'sum' }) },
  { name: 'crossEntropy none', inputs: [n([5, 6])], run: ([a]) => o.crossEntropy(a, LABELS_5, { reduction: 'none' }) },
  { name: 'crossEntropy one class', inputs: [n([3, 1])], run: ([a]) => o.crossEntropy(a, Int32Array.of(0, 0, 0)) },
  { name: 'nllLoss', inputs: [n([5, 5])], run: ([a]) => o.nllLoss(o.logSoftmax(a), LABELS_5) },
  // convolution
  { name: 'conv2d 1x1 image, 1x1 kernel', inputs: [n([1, 1, 1, 1]), n([1, 1, 1, 1])], run: ([x, w]) => o.conv2d(x, w) },
  { name: 'conv2d k3 p1 bias', inputs: [n([2, 3, 7, 6]), n([5, 3, 3, 3]), n([5])], run: ([x, w, b]) => o.conv2d(x, w, b, { padding: 1 }) },
  { name: 'conv2d k3 s2 p0', inputs: [n([1, 2, 7, 5]), n([3, 2, 3, 3])], run: ([x, w]) => o.conv2d(x, w, null, { stride: 2 }) },
  { name: 'conv2d k3 s2 p2 d2', inputs: [n([2, 2, 7, 7]), n([3, 2, 3, 3])], run: ([x, w]) => o.conv2d(x, w, null, { stride: 2, padding: 2, dilation: 2 }) },
  { name: 'conv2d k[3,1] s[2,1] p[1,0]', inputs: [n([1, 3, 5, 4]), n([2, 3, 3, 1])], run: ([x, w]) => o.conv2d(x, w, null, { stride: [2, 1], padding: [1, 0] }) },
  { name: 'conv2d groups 2', inputs: [n([2, 4, 5, 5]), n([6, 2, 3, 3]), n([6])], run: ([x, w, b]) => o.conv2d(x, w, b, { padding: 1, groups: 2 }) },
  { name: 'conv2d depthwise s2', inputs: [n([1, 3, 6, 7]), n([3, 1, 3, 3])], run: ([x, w]) => o.conv2d(x, w, null, { stride: 2, padding: 1, groups: 3 }) },
  { name: 'conv2d 1x1 s2', inputs: [n([2, 5, 5, 3]), n([7, 5, 1, 1])], run: ([x, w]) => o.conv2d(x, w, null, { stride: 2 }) },
  // masked convolution and linear (the mask is a constant 0/1 input, fused into the kernels)
  {
    name: 'conv2d masked k3 p1 bias',
    inputs: [n([2, 3, 7, 6]), n([5, 3, 3, 3]), n([5]), c([5, 3, 3, 3], 'mask')],
    run: ([x, w, b, m]) => o.conv2d(x, w, b, { padding: 1, mask: m }),
  },
  {
    name: 'conv2d masked k3 s2 p2 d2',
    inputs: [n([2, 2, 7, 7]), n([3, 2, 3, 3]), c([3, 2, 3, 3], 'mask')],
    run: ([x, w, m]) => o.conv2d(x, w, null, { stride: 2, padding: 2, dilation: 2, mask: m }),
  },
  {
    name: 'conv2d masked groups 2',
    inputs: [n([2, 4, 5, 5]), n([6, 2, 3, 3]), c([6, 2, 3, 3], 'mask')],
    run: ([x, w, m]) => o.conv2d(x, w, null, { padding: 1, groups: 2, mask: m }),
  },
  {
    name: 'conv2d masked depthwise s2',
    inputs: [n([1, 3, 6, 7]), n([3, 1, 3, 3]), c([3, 1, 3, 3], 'mask')],
    run: ([x, w, m]) => o.conv2d(x, w, null, { stride: 2, padding: 1, groups: 3, mask: m }),
  },
  { name: 'conv2d masked 1x1 s2', inputs: [n([2, 5, 5, 3]), n([7, 5, 1, 1]), c([7, 5, 1, 1], 'mask')], run: ([x, w, m]) => o.conv2d(x, w, null, { stride: 2, mask: m }) },
  { name: 'linear masked bias', inputs: [n([5, 7]), n([3, 7]), n([3]), c([3, 7], 'mask')], run: ([x, w, b, m]) => o.linear(x, w, b, { mask: m }) },
  { name: 'linear masked 3-D x', inputs: [n([2, 3, 4]), n([5, 4]), c([5, 4], 'mask')], run: ([x, w, m]) => o.linear(x, w, null, { mask: m }) },
  { name: 'linearGradInput masked', inputs: [n([4, 5]), n([5, 3]), c([5, 3], 'mask')], run: ([gy, w, m]) => o.linearGradInput(gy, w, m) },
  { name: 'linearGradWeight masked', inputs: [n([4, 3]), n([4, 5]), c([5, 3], 'mask')], run: ([x, gy, m]) => o.linearGradWeight(x, gy, m) },
  // pooling
  { name: 'maxPool2d k2', inputs: [n([2, 3, 6, 4], 'distinct')], run: ([x]) => o.maxPool2d(x, { kernelSize: 2 }) },
  { name: 'maxPool2d k3 s2 p1 odd', inputs: [n([1, 2, 7, 5], 'distinct')], run: ([x]) => o.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }) },
  { name: 'maxPool2d k[3,2] s[1,2]', inputs: [n([1, 1, 5, 6], 'distinct')], run: ([x]) => o.maxPool2d(x, { kernelSize: [3, 2], stride: [1, 2] }) },
  { name: 'avgPool2d k2', inputs: [n([2, 3, 4, 6])], run: ([x]) => o.avgPool2d(x, { kernelSize: 2 }) },
  { name: 'avgPool2d k3 s2 p1', inputs: [n([1, 2, 7, 5])], run: ([x]) => o.avgPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }) },
  { name: 'adaptiveAvgPool2d 7x5->3x2', inputs: [n([2, 3, 7, 5])], run: ([x]) => o.adaptiveAvgPool2d(x, [3, 2]) },
  { name: 'globalAvgPool2d', inputs: [n([2, 3, 5, 7])], run: ([x]) => o.globalAvgPool2d(x) },
  // batch norm
  { name: 'batchNorm train 4-D affine', inputs: [n([3, 2, 5, 3]), n([2]), n([2])], run: ([x, g, b]) => bn(x, g, b, true) },
  { name: 'batchNorm train 2-D', inputs: [n([7, 3]), n([3]), n([3])], run: ([x, g, b]) => bn(x, g, b, true) },
  { name: 'batchNorm train no affine', inputs: [n([2, 5, 3, 1])], run: ([x]) => bn(x, null, null, true) },
  { name: 'batchNorm eval', inputs: [n([2, 3, 2, 5]), n([3]), n([3])], run: ([x, g, b]) => bn(x, g, b, false) },
  { name: 'batchNormRelu train 4-D affine', inputs: [n([3, 2, 5, 3]), n([2]), n([2])], run: ([x, g, b]) => bnRelu(x, g, b, true) },
  { name: 'batchNormRelu train batch 1', inputs: [n([1, 3, 7, 1]), n([3]), n([3])], run: ([x, g, b]) => bnRelu(x, g, b, true) },
  { name: 'batchNormRelu train 2-D', inputs: [n([7, 3]), n([3]), n([3])], run: ([x, g, b]) => bnRelu(x, g, b, true) },
  { name: 'batchNormRelu train no affine', inputs: [n([2, 5, 3, 1])], run: ([x]) => bnRelu(x, null, null, true) },
  { name: 'batchNormRelu eval', inputs: [n([2, 3, 2, 5]), n([3]), n([3])], run: ([x, g, b]) => bnRelu(x, g, b, false) },
  { name: 'batchNormReluMaxPool2d train', inputs: [n([2, 2, 4, 16]), n([2]), n([2])], run: ([x, g, b]) => bnReluPool(x, g, b) },
  { name: 'batchNormAddRelu train', inputs: [n([3, 2, 5, 3]), n([3, 2, 5, 3]), n([2]), n([2])], run: ([x, r, g, b]) => bnAddRelu(x, r, null, g, b) },
  { name: 'batchNormAddRelu train scaled', inputs: [n([2, 3, 1, 7]), n([2, 3, 1, 7]), n([3, 1, 1]), n([3]), n([3])], run: ([x, r, s, g, b]) => bnAddRelu(x, r, s, g, b) },
  { name: 'batchNormAddRelu train 2-D no affine', inputs: [n([7, 3]), n([7, 3]), n([3])], run: ([x, r, s]) => bnAddRelu(x, r, s, null, null) },
  // randomness
  { name: 'dropout p=0.3', inputs: [n([4, 9])], run: ([x]) => o.dropout(x, 0.3, { seed: 77 }) },
];
