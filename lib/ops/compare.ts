import type { Tensor } from '../tensor/tensor';
import type { BinaryOp } from '../backend/backend';
import { binaryKernel, finish, scalarLike } from './dispatch';

function compare(op: BinaryOp, a: Tensor, b: Tensor | number): Tensor {
  if (typeof b !== 'number') return finish(op, binaryKernel(op, op, a, b));
  const s = scalarLike(a, b);
  const out = binaryKernel(op, op, a, s);
  s.dispose();
  return out;
}

/** 1 where a > b else 0 (broadcasting; no gradient). */
export function gt(a: Tensor, b: Tensor | number): Tensor {
  return compare('gt', a, b);
}
/** 1 where a >= b else 0 (broadcasting; no gradient). */
export function ge(a: Tensor, b: Tensor | number): Tensor {
  return compare('ge', a, b);
}
/** 1 where a < b else 0 (broadcasting; no gradient). */
export function lt(a: Tensor, b: Tensor | number): Tensor {
  return compare('lt', a, b);
}
/** 1 where a <= b else 0 (broadcasting; no gradient). */
export function le(a: Tensor, b: Tensor | number): Tensor {
  return compare('le', a, b);
}
/** 1 where a == b else 0 (broadcasting; no gradient). */
export function eq(a: Tensor, b: Tensor | number): Tensor {
  return compare('eq', a, b);
}
