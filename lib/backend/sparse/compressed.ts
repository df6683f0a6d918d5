/**
 * A pruned weight held as its survivors: the dense weight's shape and the pattern of its
 * nonzero mask, with the surviving values kept separately as the trainable parameter
 * (a [nnz] tensor, so its gradient and optimizer state have nnz entries).
 */
import { compressValues, decompress, patternFromMask, type FloatArray, type SparsePattern } from './pattern';

/** The fixed structure of a compressed layer's weight. */
export interface CompressedWeight {
  /** Dense weight shape: [out, in] (linear) or [o, c / groups, kh, kw] (conv2d). */
  readonly shape: readonly number[];
  /** Survivors of the weight viewed as [shape[0], product of the rest]. */
  readonly pattern: SparsePattern;
}

function matrixDims(shape: readonly number[]): [number, number] {
  if (shape.length !== 2 && shape.length !== 4) throw new RangeError(`compressWeight: shape [${shape.join(', ')}] must be [out, in] or [o, c / groups, kh, kw]`);
  return [shape[0], shape.slice(1).reduce((a, b) => a * b, 1)];
}

/**
 * Builds the compressed form once, after pruning: the pattern of `mask` (nonzero =
 * survives) and the surviving values of `dense` in CSR order (exact copies).
 * @example const { weight, values } = compressWeight(fc.weight.data(), fc.mask.data(), [4096, 4096])
 */
export function compressWeight(dense: ArrayLike<number>, mask: ArrayLike<number>, shape: readonly number[]): { weight: CompressedWeight; values: FloatArray } {
  const [rows, cols] = matrixDims(shape);
  if (dense.length !== rows * cols) throw new RangeError(`compressWeight: weight has ${dense.length} elements, shape [${shape.join(', ')}] needs ${rows * cols}`);
  const pattern = patternFromMask(mask, rows, cols);
  const values = compressValues(pattern, dense, dense instanceof Float64Array ? new Float64Array(pattern.nnz) : undefined);
  return { weight: { shape: shape.slice(), pattern }, values };
}

/** The dense weight (zeros at pruned entries), bit-exact inverse of compressWeight on the survivors. */
export function decompressWeight(w: CompressedWeight, values: ArrayLike<number>, out?: FloatArray): FloatArray {
  return decompress(w.pattern, values, out);
}
