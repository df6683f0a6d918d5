import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { checkTensor } from './dispatch';
import { checkReduction, labelIndex, type Labels, type Reduction } from './labels';
import { pickRows } from './pick-rows';
import { neg } from './neg';
import { sum } from './sum';
import { mean } from './mean';

/** Negative log-likelihood of labels under logProbs [n, k]: -logProbs[r, labels[r]], reduced. */
export function nllLoss(logProbs: Tensor, labels: Labels, opts: { reduction?: Reduction } = {}): Tensor {
  checkTensor('nllLoss', 'logProbs', logProbs);
  const reduction = checkReduction('nllLoss', opts.reduction ?? 'mean');
  if (logProbs.ndim !== 2) throw new RangeError(`nllLoss: logProbs ${formatShape(logProbs.shape)} must be [n, classes]`);
  const [rows, cols] = logProbs.shape;
  const ix = labelIndex('nllLoss', labels, rows, cols, logProbs.backend);
  const picked = neg(pickRows(logProbs, ix));
  if (reduction === 'none') return picked;
  return reduction === 'sum' ? sum(picked) : mean(picked);
}
