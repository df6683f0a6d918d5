import type { Backend, IndexStorage } from '../backend/backend';
import { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';

/** Class labels as given to losses: an Int32Array or a tensor of integer values, one per row. */
export type Labels = Int32Array | Tensor | readonly number[];

/** Validates labels against [rows, cols] logits and uploads them as index storage. */
export function labelIndex(op: string, labels: Labels, rows: number, cols: number, backend: Backend): IndexStorage {
  let ix: Int32Array;
  if (labels instanceof Int32Array) ix = labels;
  else if (labels instanceof Tensor) {
    if (labels.size !== rows) {
      throw new RangeError(`${op}: labels ${formatShape(labels.shape)} must hold one label per row (${rows} rows)`);
    }
    ix = Int32Array.from(labels.data());
  } else if (Array.isArray(labels)) ix = Int32Array.from(labels);
  else throw new TypeError(`${op}: labels must be an Int32Array, a number array or a Tensor`);
  if (ix.length !== rows) throw new RangeError(`${op}: ${ix.length} labels for ${rows} rows. Fix: pass one label per row.`);
  for (let r = 0; r < rows; r++) {
    const v = ix[r];
    if (!(v >= 0 && v < cols)) {
      throw new RangeError(`${op}: label ${v} of row ${r} is outside [0, ${cols}). Fix: labels are class indices 0..${cols - 1}.`);
    }
  }
  return backend.indexFromHost(ix);
}

/** Loss reduction over rows. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Validates a reduction option. */
export function checkReduction(op: string, r: unknown): Reduction {
  if (r === 'mean' || r === 'sum' || r === 'none') return r;
  throw new RangeError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(r)}'`);
}
