/**
 * Reference saliency scoring and top-k selection in plain TypeScript (float32 or float64).
 * `selectTopKBySort` is the oracle the native kernels are tested against; `selectTopKLinear`
 * is the expected-O(n) fallback used when the native addon is absent.
 */

/** Score functions: |θ|, |θ ⊙ g| (SNIP, SynFlow), θ ⊙ g, and -θ ⊙ g (GraSP with g = Hg). */
export type ScoreKind = 'abs' | 'absprod' | 'prod' | 'negprod';

/** Float arrays the reference accepts. */
export type FloatArray = Float32Array | Float64Array;

/** out[i] = f(theta[i], g[i]) for the score `kind`; g may be null for 'abs'. out may alias an input. */
export function scoreReference(kind: ScoreKind, theta: FloatArray, g: FloatArray | null, out: FloatArray): void {
  const n = theta.length;
  if (kind !== 'abs' && g === null) throw new TypeError(`scoreKernel: 'g' must be a float array for kind '${kind}'`);
  if (out.length !== n || (g !== null && g.length !== n))
    throw new RangeError(`scoreKernel: 'theta', 'g' and 'out' must have the same length (${n})`);
  switch (kind) {
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(theta[i]);
      break;
    case 'absprod':
      for (let i = 0; i < n; i++) out[i] = Math.abs(theta[i] * g![i]);
      break;
    case 'prod':
      for (let i = 0; i < n; i++) out[i] = theta[i] * g![i];
      break;
    case 'negprod':
      for (let i = 0; i < n; i++) out[i] = -(theta[i] * g![i]);
      break;
    default:
      throw new RangeError(`scoreKernel: 'kind' must be 'abs', 'absprod', 'prod' or 'negprod', got '${kind as string}'`);
  }
}

/** Throws a RangeError naming `fn` if scores hold a NaN (NaN has no rank). */
export function assertNoNaN(fn: string, scores: ArrayLike<number>, offset = 0): void {
  for (let i = 0; i < scores.length; i++)
    if (scores[i] !== scores[i]) throw new RangeError(`${fn}: 'scores' contains NaN at index ${i + offset} (scores must be comparable; check the gradients)`);
}

function checkK(fn: string, n: number, k: number, mask: ArrayLike<number>): void {
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`${fn}: 'k' must be an integer in [0, ${n}], got ${k}`);
  if (mask.length !== n) throw new RangeError(`${fn}: 'mask' has ${mask.length} elements, expected ${n}`);
}

/**
 * The oracle: sorts indices by (score descending, index ascending) and keeps the first k.
 * Returns the smallest kept score, or +Infinity for k = 0. O(n log n).
 */
export function selectTopKBySort(scores: FloatArray, k: number, mask: FloatArray): number {
  const n = scores.length;
  checkK('selectTopK', n, k, mask);
  assertNoNaN('selectTopK', scores);
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  mask.fill(0);
  for (let j = 0; j < k; j++) mask[order[j]] = 1;
  if (k === 0) return Infinity;
  const t = scores[order[k - 1]];
  return t === 0 ? 0 : t;
}

/** The value at ascending position `pos` of `a` (reordered in place), by quickselect with median-of-three pivots. */
function kthSmallest(a: Float64Array, pos: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo], y = a[mid], z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    // Three-way partition keeps runs of equal values from degrading to O(n^2).
    let lt = lo, i = lo, gt = hi;
    while (i <= gt) {
      const v = a[i];
      if (v < pivot) {
        a[i++] = a[lt];
        a[lt++] = v;
      } else if (v > pivot) {
        a[i] = a[gt];
        a[gt--] = v;
      } else i++;
    }
    if (pos < lt) hi = lt - 1;
    else if (pos > gt) lo = gt + 1;
    else return pivot;
  }
  return a[lo];
}

/**
 * Exact top-k in expected O(n): quickselect finds the k-th largest value, one pass keeps
 * everything above it and the lowest-index ties. Same result as the oracle. Returns the
 * smallest kept score, or +Infinity for k = 0.
 */
export function selectTopKLinear(scores: FloatArray, k: number, mask: FloatArray): number {
  const n = scores.length;
  checkK('selectTopK', n, k, mask);
  assertNoNaN('selectTopK', scores);
  if (k === 0) {
    mask.fill(0);
    return Infinity;
  }
  const t = kthSmallest(Float64Array.from(scores), n - k);
  let ties = k;
  for (let i = 0; i < n; i++) if (scores[i] > t) ties--;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (s > t) mask[i] = 1;
    else if (s === t && ties > 0) {
      mask[i] = 1;
      ties--;
    } else mask[i] = 0;
  }
  return t === 0 ? 0 : t;
}

/** Checks segment offsets and ks as the native binding does; returns them as plain numbers. */
export function checkSegments(n: number, offsets: ArrayLike<number>, ks: ArrayLike<number>): void {
  const fn = 'selectTopKSegments';
  if (offsets.length < 1) throw new RangeError(`${fn}: 'offsets' must have at least one entry (segments + 1)`);
  if (ks.length !== offsets.length - 1)
    throw new RangeError(`${fn}: 'ks' has ${ks.length} entries, expected ${offsets.length - 1} (offsets.length - 1)`);
  for (let s = 0; s < offsets.length; s++) {
    const lo = s === 0 ? 0 : offsets[s - 1];
    const v = offsets[s];
    if (!Number.isInteger(v) || v < lo || v > n) throw new RangeError(`${fn}: 'offsets'[${s}] must be an integer in [${lo}, ${n}], got ${v}`);
  }
  for (let s = 0; s < ks.length; s++) {
    const len = offsets[s + 1] - offsets[s];
    if (!Number.isInteger(ks[s]) || ks[s] < 0 || ks[s] > len) throw new RangeError(`${fn}: 'ks'[${s}] must be an integer in [0, ${len}], got ${ks[s]}`);
  }
}

/**
 * Per-segment top-k: segment s is [offsets[s], offsets[s+1]) with its own ks[s]; entries
 * outside every segment are not written. `select` is the single-array routine to use.
 * Returns the per-segment thresholds.
 */
export function selectTopKSegmentsWith(
  select: (scores: FloatArray, k: number, mask: FloatArray) => number,
  scores: FloatArray,
  offsets: ArrayLike<number>,
  ks: ArrayLike<number>,
  mask: FloatArray,
): Float64Array {
  checkSegments(scores.length, offsets, ks);
  if (mask.length !== scores.length) throw new RangeError(`selectTopKSegments: 'mask' has ${mask.length} elements, expected ${scores.length}`);
  const out = new Float64Array(ks.length);
  for (let s = 0; s < ks.length; s++) {
    const a = offsets[s];
    const b = offsets[s + 1];
    assertNoNaN('selectTopKSegments', scores.subarray(a, b), a);
    out[s] = select(scores.subarray(a, b), ks[s], mask.subarray(a, b));
  }
  return out;
}
