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
    let src = x.storage('sum');
    let srcSize = x.size;
    let owned = false;
    const steps = plan.steps!;
    out = newTensor(b, x.dtype, shape, outSize);
    steps.forEach(([outer, len, inner], k) => {
      const last = k === steps.length - 1;
      const dst = last ? out.storage('sum') : b.alloc(outer * inner, x.dtype);
      b.reduceSum(src, outer, len, inner, dst);
      if (owned) b.free(src, srcSize, x.dtype);
      src = dst;
      srcSize = outer * inner;
      owned = !last;
    });
  }
  if (needsGrad(x)) record('sum', out, [x], (gy) => [broadcastTo(reshape(gy, plan.keepShape), x.shape)], []);
  return finish('sum', out);
}
