import type { Tensor } from '../tensor/tensor';
import type { IndexStorage } from '../backend/backend';
import { finish, needsGrad, newTensor, record } from './dispatch';

/** out[r] = x[r, labels[r]] for x [rows, cols] (labels already validated). */
export function pickRows(x: Tensor, labels: IndexStorage): Tensor {
  const [rows, cols] = x.shape;
  const out = newTensor(x.backend, x.dtype, [rows], rows);
  x.backend.pickRows(x.storage('pickRows'), rows, cols, labels, out.storage('pickRows'));
  if (needsGrad(x)) record('pickRows', out, [x], (gy) => [scatterRows(gy, labels, cols)], []);
  return finish('pickRows', out);
}

/** out [rows, cols] = zeros with out[r, labels[r]] = values[r]: the adjoint of pickRows. */
export function scatterRows(values: Tensor, labels: IndexStorage, cols: number): Tensor {
  const rows = values.shape[0];
  const out = newTensor(values.backend, values.dtype, [rows, cols], rows * cols);
  values.backend.scatterRows(values.storage('scatterRows'), rows, cols, labels, out.storage('scatterRows'));
  if (needsGrad(values)) record('scatterRows', out, [values], (gy) => [pickRows(gy, labels)], []);
  return finish('scatterRows', out);
}
