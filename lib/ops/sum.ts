import type { Tensor } from '../tensor/tensor';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { planReduce } from './reduce-axes';
import { broadcastTo } from './broadcast-to';
import { reshape } from './reshape';

/** Sum over `axes` (all when omitted; negative axes count from the end), keeping them as 1 with keepDims. */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  checkTensor('sum', 'x', x);
  const plan = planReduce('sum', x.shape, axes);
  const shape = keepDims ? plan.keepShape : plan.dropShape;
  const outSize = x.size / (plan.count || 1);
  const b = x.backend;
  let out: Tensor;
  if (plan.count === 0) {
    out = newTensor(b, x.dtype, shape, shape.reduce((p, d) => p * d, 1), b.zeros(shape.reduce((p, d) => p * d, 1), x.dtype));
  } else if (plan.block) {
    out = newTensor(b, x.dtype, shape, outSize);
    const [outer, len, inner] = plan.block;
    b.reduceSum(x.storage('sum'), outer, len, inner, out.storage('sum'));
  } else {
    // Non-adjacent axes: move the reduced axes last, then reduce them as one block.
    const tmp = b.alloc(x.size, x.dtype);
    b.permute(x.storage('sum'), Int32Array.from(x.shape), Int32Array.from(plan.perm!), tmp);
    out = newTensor(b, x.dtype, shape, outSize);
    b.reduceSum(tmp, outSize, plan.count, 1, out.storage('sum'));
    b.free(tmp, x.size, x.dtype);
  }
  if (needsGrad(x)) record('sum', out, [x], (gy) => [broadcastTo(reshape(gy, plan.keepShape), x.shape)], []);
  return finish('sum', out);
}
