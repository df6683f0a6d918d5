/**
 * conv2d with a compressed weight W [o, c / groups, kh, kw] (a CompressedWeight and a [nnz]
 * values tensor): forward, input gradient and weight gradient each cost about nnz x batch
 * x output pixels. As for sparse-linear, the three ops close under differentiation.
 */
import type { Conv2dGeometry } from '../backend/backend';
import type { CompressedWeight } from '../backend/sparse/compressed';
import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { pair, type Conv2dOptions } from './conv-geometry';
import { checkSame, checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { sparseKernels } from './sparse-linear';
import { biasGradient } from './channel-sums';
import { noteRowMoments } from './row-moments';
import { noteZeroChannels, recordedZeroChannels } from './activation-notes';
import type { FloatArray, SparsePattern } from '../backend/sparse/pattern';

/** The geometry of x [n, c, h, w] convolved with the compressed weight. */
export function sparseConvGeometry(op: string, x: Tensor, w: CompressedWeight, opts: Conv2dOptions): Conv2dGeometry {
  checkTensor(op, 'x', x);
  if (x.ndim !== 4) throw new RangeError(`${op}: x ${formatShape(x.shape)} must be [n, c, h, w]`);
  if (w.shape.length !== 4) throw new RangeError(`${op}: the compressed weight has shape [${w.shape.join(', ')}], not [o, c / groups, kh, kw]`);
  const [n, c, h, wd] = x.shape;
  const [o, cpg, kh, kw] = w.shape;
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0 || o % groups !== 0 || cpg !== c / groups)
    throw new RangeError(`${op}: weight [${w.shape.join(', ')}] with groups ${groups} does not fit x ${formatShape(x.shape)}`);
  const [sh, sw] = pair(op, 'stride', opts.stride, 1, 1);
  const [ph, pw] = pair(op, 'padding', opts.padding, 0, 0);
  const [dh, dw] = pair(op, 'dilation', opts.dilation, 1, 1);
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((wd + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (oh < 1 || ow < 1) throw new RangeError(`${op}: kernel ${kh}x${kw} exceeds the padded input of x ${formatShape(x.shape)}`);
  return { n, c, h, w: wd, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow };
}

/**
 * Whether the native forward records row moments for this geometry (native/BINDINGS.md,
 * sparseConv2dForward): stride 1, the output the input's size, planes of 64+ pixels. Other
 * layers get no array to fill (on VGG's 4x4 maps it would be 1 MB per call for nothing).
 */
function recordsMoments(g: Conv2dGeometry): boolean {
  return g.sh === 1 && g.sw === 1 && g.oh === g.h && g.ow === g.w && g.oh * g.ow >= 64;
}

function checkValues(op: string, w: CompressedWeight, values: Tensor): void {
  checkTensor(op, 'values', values);
  if (values.ndim !== 1 || values.size !== w.pattern.nnz)
    throw new RangeError(`${op}: values ${formatShape(values.shape)} must be [${w.pattern.nnz}] (the pattern's nnz)`);
}

function checkShape(op: string, name: string, t: Tensor, shape: number[]): void {
  checkTensor(op, name, t);
  if (t.ndim !== 4 || t.shape.some((d, i) => d !== shape[i])) throw new RangeError(`${op}: '${name}' ${formatShape(t.shape)} must be ${formatShape(shape)}`);
}

/**
 * The output channels of sparseConv2d that are zeros by construction (1 in the flags [o]):
 * no bias or a zero one, and every survivor of the row reads an input channel recorded as
 * zeros (`zeroIn`, or none when null: only rows without survivors) with a finite value
 * (0 x Inf is NaN). Each such output is a sum of zeros.
 */
export function zeroOutputChannels(p: SparsePattern, g: Conv2dGeometry, zeroIn: Uint8Array | null, values: FloatArray, bias: FloatArray | null): Uint8Array {
  const flags = new Uint8Array(g.o);
  const taps = g.kh * g.kw;
  const perGroupOut = g.o / g.groups;
  const perGroupIn = g.c / g.groups;
  for (let o = 0; o < g.o; o++) {
    if (bias !== null && bias[o] !== 0) continue;
    const base = Math.floor(o / perGroupOut) * perGroupIn;
    let zero = 1;
    for (let j = p.rowPtr[o]; j < p.rowPtr[o + 1] && zero; j++)
      if (zeroIn === null || !zeroIn[base + Math.floor(p.colIdx[j] / taps)] || !Number.isFinite(values[j])) zero = 0;
    flags[o] = zero;
  }
  return flags;
}

/** @internal sparseConv2d with a precomputed geometry (the backward ops call it). */
export function sparseConv2dGeometry(x: Tensor, w: CompressedWeight, values: Tensor, bias: Tensor | null, g: Conv2dGeometry): Tensor {
  const op = 'sparseConv2d';
  checkValues(op, w, values);
  checkSame(op, x, values, 'x', 'values');
  if (bias !== null) {
    checkTensor(op, 'bias', bias);
    checkSame(op, x, bias, 'x', 'bias');
    if (bias.ndim !== 1 || bias.shape[0] !== g.o) throw new RangeError(`${op}: bias ${formatShape(bias.shape)} must be [${g.o}]`);
  }
  const out = newTensor(x.backend, x.dtype, [g.n, g.o, g.oh, g.ow], g.n * g.o * g.oh * g.ow);
  const train = needsGrad(x, values, bias);
  const kernels = sparseKernels(op, x);
  // In training a batch norm usually follows: the kernel can take its statistics on the way.
  const moments = train && kernels.host && recordsMoments(g) ? new Float64Array(2 * g.n * g.o) : null;
  const valuesS = values.storage(op);
  const biasS = bias && bias.storage(op);
  if (kernels.sparseConv2dForward(g, w.pattern, valuesS, x.storage(op), biasS, out.storage(op), moments)) noteRowMoments(out, moments!);
  // A batch norm + ReLU reading out skips its zero channels (lib/ops/activation-notes.ts).
  if (kernels.host) noteZeroChannels(out, zeroOutputChannels(w.pattern, g, recordedZeroChannels(x), valuesS as FloatArray, biasS as FloatArray | null));
  if (train) {
    record(
      op,
      out,
      bias !== null ? [x, values, bias] : [x, values],
      (gy) => {
        const gx = x.requiresGrad ? sparseConv2dGradInput(gy, w, values, g) : null;
        const gv = values.requiresGrad ? sparseConv2dGradWeight(x, gy, w, g) : null;
        return bias !== null ? [gx, gv, bias.requiresGrad ? biasGradient(gy, out) : null] : [gx, gv];
      },
      [x, values],
    );
  }
  return finish(op, out);
}

/**
 * 2-D convolution (PyTorch's conv2d) with a compressed weight: x [n, c, h, w], weight given
 * by (w, values), optional bias [o]; stride, padding, dilation and groups as in conv2d.
 * @example const y = sparseConv2d(x, layer.compressed, layer.values, layer.bias, { padding: 1 })
 */
export function sparseConv2d(x: Tensor, w: CompressedWeight, values: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  return sparseConv2dGeometry(x, w, values, bias, sparseConvGeometry('sparseConv2d', x, w, opts));
}

/** gx [n, c, h, w]: the input gradient of sparseConv2d for the output gradient gy. */
export function sparseConv2dGradInput(gy: Tensor, w: CompressedWeight, values: Tensor, g: Conv2dGeometry): Tensor {
  const op = 'sparseConv2dGradInput';
  checkValues(op, w, values);
  checkShape(op, 'gy', gy, [g.n, g.o, g.oh, g.ow]);
  checkSame(op, gy, values, 'gy', 'values');
  const out = newTensor(gy.backend, gy.dtype, [g.n, g.c, g.h, g.w], g.n * g.c * g.h * g.w);
  sparseKernels(op, gy).sparseConv2dGradInput(g, w.pattern, values.storage(op), gy.storage(op), out.storage(op));
  if (needsGrad(gy, values)) {
    record(op, out, [gy, values], (gz) => [
      gy.requiresGrad ? sparseConv2dGeometry(gz, w, values, null, g) : null,
      values.requiresGrad ? sparseConv2dGradWeight(gz, gy, w, g) : null,
    ]);
  }
  return finish(op, out);
}

/** gvalues [nnz]: the weight gradient of sparseConv2d at the survivors only, summed over the batch. */
export function sparseConv2dGradWeight(x: Tensor, gy: Tensor, w: CompressedWeight, g: Conv2dGeometry): Tensor {
  const op = 'sparseConv2dGradWeight';
  checkShape(op, 'x', x, [g.n, g.c, g.h, g.w]);
  checkShape(op, 'gy', gy, [g.n, g.o, g.oh, g.ow]);
  checkSame(op, x, gy, 'x', 'gy');
  const out = newTensor(x.backend, x.dtype, [w.pattern.nnz], w.pattern.nnz);
  sparseKernels(op, x).sparseConv2dGradWeight(g, w.pattern, x.storage(op), gy.storage(op), out.storage(op));
  if (needsGrad(x, gy)) {
    record(op, out, [x, gy], (ggv) => [
      x.requiresGrad ? sparseConv2dGradInput(gy, w, ggv, g) : null,
      gy.requiresGrad ? sparseConv2dGeometry(x, w, ggv, null, g) : null,
    ]);
  }
  return finish(op, out);
}
