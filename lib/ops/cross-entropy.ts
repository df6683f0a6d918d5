import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { isGradEnabled } from '../autograd/grad-mode';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';
import { checkReduction, labelIndex, type Labels, type Reduction } from './labels';
import { scatterRows } from './pick-rows';
import { softmax } from './softmax';
import { sub } from './sub';
import { mul } from './mul';
import { affine } from './affine';
import { reshape } from './reshape';

/**
 * Softmax cross-entropy of logits [n, k] against class labels, in one fused pass. Its
 * backward uses the saved softmax; under createGraph it recomputes softmax(logits) on the
 * tape so second derivatives are exact.
 */
export function crossEntropy(logits: Tensor, labels: Labels, opts: { reduction?: Reduction } = {}): Tensor {
  checkTensor('crossEntropy', 'logits', logits);
  const reduction = checkReduction('crossEntropy', opts.reduction ?? 'mean');
  if (logits.ndim !== 2) {
    throw new RangeError(`crossEntropy: logits ${formatShape(logits.shape)} must be [n, classes]. Fix: flatten the batch to [n, classes].`);
  }
  const [rows, cols] = logits.shape;
  const b = logits.backend;
  const ix = labelIndex('crossEntropy', labels, rows, cols, b);
  const lossRows = newTensor(b, logits.dtype, [rows], rows);
  const probs = newTensor(b, logits.dtype, logits.shape, logits.size);
  b.softmaxCrossEntropy(logits.storage('crossEntropy'), rows, cols, ix, lossRows.storage('crossEntropy'), probs.storage('crossEntropy'));
  let out = lossRows;
  if (reduction !== 'none') {
    out = newTensor(b, logits.dtype, [], 1);
    b.reduceSum(lossRows.storage('crossEntropy'), 1, rows, 1, out.storage('crossEntropy'));
    if (reduction === 'mean') b.unary('affine', out.storage('crossEntropy'), out.storage('crossEntropy'), 1 / rows, 0);
    lossRows.dispose();
  }
  if (needsGrad(logits)) {
    record(
      'crossEntropy',
      out,
      [logits],
      (gy) => {
        // d loss_r / d logits_r = softmax_r - onehot_r, times the row's output gradient.
        const p = isGradEnabled() ? softmax(logits) : probs;
        const ones = newTensor(b, logits.dtype, [rows], rows);
        b.fill(ones.storage('crossEntropy'), 1);
        const diff = sub(p, scatterRows(ones, ix, cols));
        const rowGrad = reduction === 'none' ? reshape(gy, [rows, 1]) : reshape(reduction === 'mean' ? affine(gy, 1 / rows, 0) : gy, [1, 1]);
        return [mul(diff, rowGrad)];
      },
      [probs],
    );
  } else probs.dispose();
  return finish('crossEntropy', out);
}
