/**
 * Linear layers with a compressed weight: y = x W^T + b where W [out, in] is given by its
 * survivors (a CompressedWeight and a [nnz] values tensor). The three ops below close
 * under differentiation (each one's backward is written in the other two), so gradients of
 * gradients work as for the dense linear. cpu runs the native kernels, reference the
 * TypeScript loops, cuda its own (lib/backend/cuda/sparse.ts).
 */
import type { CompressedWeight } from '../backend/sparse/compressed';
import { HOST_SPARSE_KERNELS, REFERENCE_SPARSE_KERNELS, type SparseKernelSet } from '../backend/sparse/kernels';
import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { checkSame, checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { reshape } from './reshape';
import { sum } from './sum';

/**
 * The compressed-layer kernels of a tensor's backend: native on cpu, TypeScript loops on
 * reference, the backend's own set elsewhere (cuda); a TypeError naming the fix otherwise.
 */
export function sparseKernels(op: string, t: Tensor): SparseKernelSet {
  const b = t.backend;
  if (b.name === 'cpu') return HOST_SPARSE_KERNELS;
  if (b.name === 'reference') return REFERENCE_SPARSE_KERNELS;
  if (b.sparse) return b.sparse;
  throw new TypeError(`${op}: compressed layers do not run on the '${b.name}' backend. Fix: move the tensors with .to('cpu')`);
}

function linearDims(op: string, w: CompressedWeight, values: Tensor): [number, number] {
  checkTensor(op, 'values', values);
  if (w.shape.length !== 2) throw new RangeError(`${op}: the compressed weight has shape [${w.shape.join(', ')}], not [out, in]`);
  if (values.size !== w.pattern.nnz || values.ndim !== 1)
    throw new RangeError(`${op}: values ${formatShape(values.shape)} must be [${w.pattern.nnz}] (the pattern's nnz)`);
  return [w.shape[0], w.shape[1]];
}

/** Rows of a [..., features] tensor, checking the last dimension. */
function rowsOf(op: string, name: string, t: Tensor, features: number): number {
  checkTensor(op, name, t);
  if (t.ndim < 1 || t.shape[t.ndim - 1] !== features)
    throw new RangeError(`${op}: '${name}' ${formatShape(t.shape)} must end in ${features} features`);
  return t.size / features;
}

/**
 * y [..., out] = x [..., in] W^T + bias with the compressed W: cost about nnz x rows.
 * @example const y = sparseLinear(x, layer.compressed, layer.values, layer.bias)
 */
export function sparseLinear(x: Tensor, w: CompressedWeight, values: Tensor, bias: Tensor | null = null): Tensor {
  const op = 'sparseLinear';
  const [nOut, nIn] = linearDims(op, w, values);
  const rows = rowsOf(op, 'x', x, nIn);
  checkSame(op, x, values, 'x', 'values');
  if (bias !== null) {
    checkTensor(op, 'bias', bias);
    checkSame(op, x, bias, 'x', 'bias');
    if (bias.ndim !== 1 || bias.shape[0] !== nOut) throw new RangeError(`${op}: bias ${formatShape(bias.shape)} must be [${nOut}]`);
  }
  const out = newTensor(x.backend, x.dtype, [...x.shape.slice(0, -1), nOut], rows * nOut);
  sparseKernels(op, x).sparseLinearForward(w.pattern, values.storage(op), x.storage(op), rows, bias && bias.storage(op), out.storage(op));
  if (needsGrad(x, values, bias)) {
    record(
      op,
      out,
      bias !== null ? [x, values, bias] : [x, values],
      (gy) => {
        const g2 = reshape(gy, [rows, nOut]);
        const gx = x.requiresGrad ? reshape(sparseLinearGradInput(g2, w, values), x.shape) : null;
        const gv = values.requiresGrad ? sparseLinearGradWeight(g2, reshape(x, [rows, nIn]), w) : null;
        return bias !== null ? [gx, gv, bias.requiresGrad ? sum(g2, 0) : null] : [gx, gv];
      },
      [x, values],
    );
  }
  return finish(op, out);
}

/** gx [rows, in] = gy [rows, out] W: the input gradient of sparseLinear (transposed SpMM). */
export function sparseLinearGradInput(gy: Tensor, w: CompressedWeight, values: Tensor): Tensor {
  const op = 'sparseLinearGradInput';
  const [nOut, nIn] = linearDims(op, w, values);
  const rows = rowsOf(op, 'gy', gy, nOut);
  checkSame(op, gy, values, 'gy', 'values');
  const out = newTensor(gy.backend, gy.dtype, [rows, nIn], rows * nIn);
  sparseKernels(op, gy).sparseLinearGradInput(w.pattern, values.storage(op), gy.storage(op), rows, out.storage(op));
  if (needsGrad(gy, values)) {
    record(op, out, [gy, values], (gz) => [
      gy.requiresGrad ? reshape(sparseLinear(gz, w, values), gy.shape) : null,
      values.requiresGrad ? sparseLinearGradWeight(reshape(gy, [rows, nOut]), gz, w) : null,
    ]);
  }
  return finish(op, out);
}

/**
 * gvalues [nnz] with gvalues[j] = sum_r gy[r, row(j)] x[r, col(j)]: the weight gradient of
 * sparseLinear at the survivors only (SDDMM).
 */
export function sparseLinearGradWeight(gy: Tensor, x: Tensor, w: CompressedWeight): Tensor {
  const op = 'sparseLinearGradWeight';
  if (w.shape.length !== 2) throw new RangeError(`${op}: the compressed weight has shape [${w.shape.join(', ')}], not [out, in]`);
  const [nOut, nIn] = w.shape;
  const rows = rowsOf(op, 'gy', gy, nOut);
  if (rowsOf(op, 'x', x, nIn) !== rows) throw new RangeError(`${op}: gy ${formatShape(gy.shape)} and x ${formatShape(x.shape)} have different row counts`);
  checkSame(op, gy, x, 'gy', 'x');
  const out = newTensor(x.backend, x.dtype, [w.pattern.nnz], w.pattern.nnz);
  sparseKernels(op, x).sparseLinearGradWeight(w.pattern, x.storage(op), gy.storage(op), rows, out.storage(op));
  if (needsGrad(gy, x)) {
    record(op, out, [gy, x], (ggv) => [
      gy.requiresGrad ? reshape(sparseLinear(reshape(x, [rows, nIn]), w, ggv), gy.shape) : null,
      x.requiresGrad ? reshape(sparseLinearGradInput(reshape(gy, [rows, nOut]), w, ggv), x.shape) : null,
    ]);
  }
  return finish(op, out);
}
