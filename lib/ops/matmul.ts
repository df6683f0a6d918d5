import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { checkSame, checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { reshape } from './reshape';
import { broadcastTo } from './broadcast-to';

/**
 * op(a) @ op(b) where op transposes the last two dimensions when its flag is set; a and b
 * are both 2-D, or both 3-D with the same batch. The backward is this op again with other
 * flags, so it is differentiable to any order.
 */
export function matmulT(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  checkTensor('matmul', 'a', a);
  checkTensor('matmul', 'b', b);
  checkSame('matmul', a, b);
  const nd = a.ndim;
  if ((nd !== 2 && nd !== 3) || b.ndim !== nd || (nd === 3 && a.shape[0] !== b.shape[0])) {
    throw new RangeError(
      `matmul: expects two 2-D tensors or two 3-D tensors with the same batch, got a ${formatShape(a.shape)} and b ${formatShape(b.shape)}. ` +
        `Fix: reshape the operands (batch dimension first).`,
    );
  }
  const batch = nd === 3 ? a.shape[0] : 1;
  const ar = a.shape[nd - 2];
  const ac = a.shape[nd - 1];
  const br = b.shape[nd - 2];
  const bc = b.shape[nd - 1];
  const m = transA ? ac : ar;
  const k = transA ? ar : ac;
  const kb = transB ? bc : br;
  const n = transB ? br : bc;
  if (k !== kb) {
    throw new RangeError(
      `matmul: inner dimensions differ: a ${formatShape(a.shape)}${transA ? '^T' : ''} has ${k} columns but b ${formatShape(b.shape)}${transB ? '^T' : ''} has ${kb} rows. ` +
        `Fix: transpose or reshape one operand so that a's last dimension equals b's first.`,
    );
  }
  const shape = nd === 3 ? [batch, m, n] : [m, n];
  const out = newTensor(a.backend, a.dtype, shape, batch * m * n);
  a.backend.gemm(transA, transB, m, n, k, 1, a.storage('matmul'), b.storage('matmul'), 0, out.storage('matmul'), batch, ar * ac, br * bc, m * n);
  if (needsGrad(a, b)) {
    record('matmul', out, [a, b], (gy) => [
      a.requiresGrad ? (transA ? matmulT(b, gy, transB, true) : matmulT(gy, b, false, !transB)) : null,
      b.requiresGrad ? (transB ? matmulT(gy, a, true, transA) : matmulT(a, gy, !transA, false)) : null,
    ]);
  }
  return finish('matmul', out);
}

/** Matrix product: 2-D @ 2-D, batched 3-D @ 3-D, or 3-D @ 2-D (the matrix applied to every batch entry). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor('matmul', 'a', a);
  checkTensor('matmul', 'b', b);
  if (a.ndim === 3 && b.ndim === 2) {
    const [bt, m, k] = a.shape;
    const y = matmulT(reshape(a, [bt * m, k]), b, false, false);
    return reshape(y, [bt, m, b.shape[1]]);
  }
  if (a.ndim === 2 && b.ndim === 3) return matmulT(broadcastTo(a, [b.shape[0], a.shape[0], a.shape[1]]), b, false, false);
  return matmulT(a, b, false, false);
}
