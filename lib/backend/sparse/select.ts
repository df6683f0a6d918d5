/**
 * Saliency scoring and exact top-k selection over a parameter arena: the native kernels
 * (native/BINDINGS.md, "Saliency and selection") when the addon has them and the arrays are
 * float32, the TypeScript reference otherwise. Every path gives the same mask.
 */
import { sparseNative } from './native';
import {
  FloatArray,
  ScoreKind,
  scoreReference,
  selectTopKLinear,
  selectTopKSegmentsWith,
  checkSegments,
} from './select-reference';

export type { ScoreKind } from './select-reference';

/**
 * Scores in one pass: out = |θ| ('abs'), |θ ⊙ g| ('absprod': SNIP, SynFlow), θ ⊙ g ('prod')
 * or -θ ⊙ g ('negprod': GraSP with g = Hg). g may be null for 'abs'; out may alias θ or g.
 * @example scoreKernel('absprod', arena.weights, arena.grads, arena.scores)
 */
export function scoreKernel(kind: ScoreKind, theta: FloatArray, g: FloatArray | null, out: FloatArray): void {
  const f = sparseNative('scoreKernel');
  if (f && theta instanceof Float32Array && out instanceof Float32Array && (g === null || g instanceof Float32Array)) f(kind, theta, g, out);
  else scoreReference(kind, theta, g, out);
}

/**
 * Keeps exactly k entries: mask[i] = 1 for the k largest scores (ties to the lower index,
 * -0 equal to +0), 0 elsewhere, in O(n). Returns the smallest kept score (+Infinity for
 * k = 0). NaN scores throw a RangeError.
 * @example const threshold = selectTopK(scores, Math.round(density * scores.length), mask)
 */
export function selectTopK(scores: FloatArray, k: number, mask: FloatArray): number {
  const f = sparseNative('selectTopK');
  if (f && scores instanceof Float32Array && mask instanceof Float32Array) return f(scores, k, mask);
  return selectTopKLinear(scores, k, mask);
}

/**
 * selectTopK within each segment [offsets[s], offsets[s+1]) with its own ks[s], all in one
 * call (per-layer pruning over an arena); entries outside every segment are not written.
 * Returns each segment's smallest kept score.
 * @example selectTopKSegments(arena.scores, layerOffsets, layerKeep, arena.masks)
 */
export function selectTopKSegments(scores: FloatArray, offsets: ArrayLike<number>, ks: ArrayLike<number>, mask: FloatArray): Float64Array {
  const f = sparseNative('selectTopKSegments');
  if (f && scores instanceof Float32Array && mask instanceof Float32Array) {
    checkSegments(scores.length, offsets, ks);
    return f(scores, Float64Array.from(offsets), Float64Array.from(ks), mask);
  }
  return selectTopKSegmentsWith(selectTopKLinear, scores, offsets, ks, mask);
}
