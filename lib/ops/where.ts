import type { Tensor } from '../tensor/tensor';
import { broadcastShapes, broadcastStrides, sizeOf } from '../tensor/shape';
import { checkSame, checkTensor, finish, needsGrad, newTensor, record, scalarLike } from './dispatch';
import { sumTo } from './sum-to';

/** cond != 0 ? a : b elementwise with broadcasting over all three; a or b may be numbers. */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  checkTensor('where', 'cond', cond);
  const ta = typeof a === 'number' ? scalarLike(cond, a) : a;
  const tb = typeof b === 'number' ? scalarLike(cond, b) : b;
  checkTensor('where', 'a', ta);
  checkTensor('where', 'b', tb);
  checkSame('where', cond, ta, 'cond', 'a');
  checkSame('where', ta, tb, 'a', 'b');
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  const out = newTensor(ta.backend, ta.dtype, shape, sizeOf(shape));
  ta.backend.where(
    cond.storage('where'),
    broadcastStrides(cond.shape, shape),
    ta.storage('where'),
    broadcastStrides(ta.shape, shape),
    tb.storage('where'),
    broadcastStrides(tb.shape, shape),
    out.storage('where'),
    Int32Array.from(shape),
  );
  if (typeof a === 'number') ta.dispose();
  if (typeof b === 'number') tb.dispose();
  const gradA = typeof a !== 'number' && needsGrad(a);
  const gradB = typeof b !== 'number' && needsGrad(b);
  if (gradA || gradB) {
    const inputs = [typeof a === 'number' ? null : a, typeof b === 'number' ? null : b].filter((t): t is Tensor => t !== null);
    record(
      'where',
      out,
      inputs,
      (gy) => {
        const res: (Tensor | null)[] = [];
        if (typeof a !== 'number') res.push(gradA ? sumTo(where(cond, gy, 0), a.shape) : null);
        if (typeof b !== 'number') res.push(gradB ? sumTo(where(cond, 0, gy), b.shape) : null);
        return res;
      },
      [cond],
    );
  }
  return finish('where', out);
}
