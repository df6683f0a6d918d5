import type { Tensor } from '../tensor/tensor';
import { binaryKernel, finish, needsGrad, record, unaryKernel } from './dispatch';
import { affine } from './affine';
import { sumTo } from './sum-to';
import { mul } from './mul';
import { log } from './log';
import { zerosLike } from './zeros-like';

/** x ** p elementwise; p a number or a broadcastable tensor (real results need x > 0 for fractional p). */
export function pow(x: Tensor, p: number | Tensor): Tensor {
  if (typeof p !== 'number') return powTensor(x, p);
  const out = p === 2 ? unaryKernel('pow', 'square', x) : unaryKernel('pow', 'pow', x, p);
  if (needsGrad(x)) {
    record('pow', out, [x], (gy) => {
      if (p === 0) return [zerosLike(x)];
      if (p === 1) return [gy];
      const d = p === 2 ? affine(x, 2, 0) : affine(pow(x, p - 1), p, 0);
      return [mul(gy, d)];
    });
  }
  return finish('pow', out);
}

function powTensor(a: Tensor, b: Tensor): Tensor {
  const out = binaryKernel('pow', 'pow', a, b);
  if (needsGrad(a, b)) {
    record(
      'pow',
      out,
      [a, b],
      (gy) => [
        a.requiresGrad ? sumTo(mul(gy, mul(b, powTensor(a, affine(b, 1, -1)))), a.shape) : null,
        b.requiresGrad ? sumTo(mul(gy, mul(powTensor(a, b), log(a))), b.shape) : null,
      ],
      [a, b],
    );
  }
  return finish('pow', out);
}
