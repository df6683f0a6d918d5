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
 * k = 0). NaN scores throw a RangeError. With `drop` (the weights, sharing no memory with
 * scores or mask), the pruning loop's zeroing happens in the same pass: drop[i] = +0 where
 * mask[i] becomes 0 and scores[i] > -Infinity (-Infinity marks weights pruned earlier, which
 * the caller keeps at 0); no other entry of drop is written.
 * @example const threshold = selectTopK(scores, Math.round(density * scores.length), mask)
 */
export function selectTopK(scores: FloatArray, k: number, mask: FloatArray, drop: FloatArray | null = null): number {
  const f = sparseNative('selectTopK');
  if (f && scores instanceof Float32Array && mask instanceof Float32Array && (drop === null || drop instanceof Float32Array)) {
    return drop === null ? f(scores, k, mask) : f(scores, k, mask, drop);
  }
  if (drop !== null) checkDrop(scores, mask, drop, 'selectTopK');
  const t = selectTopKLinear(scores, k, mask);
  if (drop !== null) zeroDropped(scores, mask, drop);
  return t;
}

/**
 * selectTopK within each segment [offsets[s], offsets[s+1]) with its own ks[s], all in one
 * call (per-layer pruning over an arena); entries outside every segment are not written.
 * Returns each segment's smallest kept score.
 * @example selectTopKSegments(arena.scores, layerOffsets, layerKeep, arena.masks)
 */
export function selectTopKSegments(
  scores: FloatArray,
  offsets: ArrayLike<number>,
  ks: ArrayLike<number>,
  mask: FloatArray,
  drop: FloatArray | null = null,
): Float64Array {
  const f = sparseNative('selectTopKSegments');
  if (f && scores instanceof Float32Array && mask instanceof Float32Array && (drop === null || drop instanceof Float32Array)) {
    checkSegments(scores.length, offsets, ks);
    const o = Float64Array.from(offsets);
    const kk = Float64Array.from(ks);
    return drop === null ? f(scores, o, kk, mask) : f(scores, o, kk, mask, drop);
  }
  if (drop !== null) checkDrop(scores, mask, drop, 'selectTopKSegments');
  const t = selectTopKSegmentsWith(selectTopKLinear, scores, offsets, ks, mask);
  if (drop !== null) {
    const a = offsets[0] ?? 0;
    const b = offsets[offsets.length - 1] ?? 0;
    zeroDropped(scores.subarray(a, b), mask.subarray(a, b), drop.subarray(a, b));
  }
  return t;
}

/** The binding's checks of `drop`: the scores' length, and no memory shared with the scores or the mask. */
function checkDrop(scores: FloatArray, mask: FloatArray, drop: FloatArray, fn: string): void {
  if (drop.length !== scores.length) throw new RangeError(`${fn}: 'values' has ${drop.length} elements, expected ${scores.length} (the length of the first array)`);
  const overlaps = (x: FloatArray): boolean =>
    drop.buffer === x.buffer && drop.byteOffset < x.byteOffset + x.byteLength && x.byteOffset < drop.byteOffset + drop.byteLength;
  if (overlaps(scores) || overlaps(mask)) throw new RangeError(`${fn}: 'values' shares memory with the scores or the mask; pass the weights to zero`);
}

/** The reference of the `drop` argument: drop[i] = +0 where mask[i] is 0 and the score is above -Infinity. */
function zeroDropped(scores: FloatArray, mask: FloatArray, drop: FloatArray): void {
  for (let i = 0; i < scores.length; i++) if (mask[i] === 0 && scores[i] > NEG_INF) drop[i] = 0;
}

const NEG_INF = Number.NEGATIVE_INFINITY;
