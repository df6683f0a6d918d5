import type { Tensor } from '../tensor/tensor';
import { affine } from './affine';
import { mean } from './mean';
import { mul } from './mul';
import { pow } from './pow';
import { reshape } from './reshape';
import { sub } from './sub';
import { sum } from './sum';

/**
 * Batch-norm gradients written with differentiable ops, used under createGraph (GraSP's
 * Hessian-gradient products through BN layers). Statistics are per channel over every
 * dimension except 1.
 */

function channelAxes(x: Tensor): number[] {
  return x.shape.map((_, i) => i).filter((i) => i !== 1);
}

function channelShape(x: Tensor): number[] {
  return x.shape.map((d, i) => (i === 1 ? d : 1));
}

/**
 * Training-mode gradients [gx, ggamma?, gbeta?] (entries only for present gamma / beta):
 * gx = invstd (g - mean(g) - xhat mean(g xhat)) with g = gy gamma, ggamma = sum(gy xhat), gbeta = sum(gy).
 */
export function batchNormTrainGrad(gy: Tensor, x: Tensor, gamma: Tensor | null, beta: Tensor | null, eps: number): (Tensor | null)[] {
  const axes = channelAxes(x);
  const cs = channelShape(x);
  const mu = mean(x, axes, true);
  const xc = sub(x, mu);
  const variance = mean(mul(xc, xc), axes, true);
  const invstd = pow(affine(variance, 1, eps), -0.5);
  const xhat = mul(xc, invstd);
  const g = gamma ? mul(gy, reshape(gamma, cs)) : gy;
  const gx = mul(invstd, sub(sub(g, mean(g, axes, true)), mul(xhat, mean(mul(g, xhat), axes, true))));
  const res: (Tensor | null)[] = [gx];
  if (gamma) res.push(gamma.requiresGrad ? reshape(sum(mul(gy, xhat), axes), gamma.shape) : null);
  if (beta) res.push(beta.requiresGrad ? reshape(sum(gy, axes), beta.shape) : null);
  return res;
}

/** Evaluation-mode gradients: the running statistics are constants, so BN is affine in x. */
export function batchNormEvalGrad(
  gy: Tensor,
  x: Tensor,
  runMean: Tensor,
  runVar: Tensor,
  gamma: Tensor | null,
  beta: Tensor | null,
  eps: number,
): (Tensor | null)[] {
  const axes = channelAxes(x);
  const cs = channelShape(x);
  const invstd = reshape(pow(affine(runVar.detach(), 1, eps), -0.5), cs);
  const scale = gamma ? mul(reshape(gamma, cs), invstd) : invstd;
  const res: (Tensor | null)[] = [x.requiresGrad ? mul(gy, scale) : null];
  if (gamma) {
    const xhat = mul(sub(x, reshape(runMean.detach(), cs)), invstd);
    res.push(gamma.requiresGrad ? reshape(sum(mul(gy, xhat), axes), gamma.shape) : null);
  }
  if (beta) res.push(beta.requiresGrad ? reshape(sum(gy, axes), beta.shape) : null);
  return res;
}
