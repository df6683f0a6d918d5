import { selectTopK, selectTopKSegments } from '../backend/sparse/select';
import { loadNative } from '../backend/native-loader';
import { keepCount } from './target';
import type { PruneSegment } from './prunable';

// Hot loops use module-level constants: global lookups (Infinity, Math) are slow inside
// vm contexts such as jest's.
const POS_INF = Number.POSITIVE_INFINITY;
const NEG_INF = Number.NEGATIVE_INFINITY;

/** One threshold over all participating weights, or the target density inside each tensor. */
export type PruneScope = 'global' | 'local';

/** Options of {@link selectMask}. */
export interface SelectMaskOptions {
  scope: PruneScope;
  /** Current mask of the prunable block (0/1); its zeros stay zero unless `regrow`. */
  current: Float32Array;
  /** FORCE: pruned weights may come back (they compete on their scores). */
  regrow?: boolean;
  /** Sanity check "invert": keep the lowest-ranked weights instead (rank inversion, not 1/score). */
  invert?: boolean;
  /**
   * Live weights per segment when the scores were written finished by writeSegmentScores
   * (pruned at -Infinity unless regrow, inverted, checked, non-participating at +Infinity):
   * the selection then goes straight to the threshold.
   */
  prepared?: Float64Array | null;
  /**
   * The prunable weights, when the selection should also zero the weights it drops (in the
   * same pass): every weight whose mask was already 0 must already be exactly 0. Not with
   * `regrow`.
   */
  drop?: Float32Array | null;
}

/**
 * Writes into `mask` the exact mask that keeps round(density x N) participating weights
 * with the highest scores (global), or round(density x n_l) in each tensor (local); ties go
 * to the lower arena index. Non-participating tensors stay dense. Already-pruned weights
 * never come back unless `regrow`. `scores` (length = the prunable block) is modified in
 * place. One selection call covers every layer. Returns the number of weights kept among
 * the participating ones.
 */
export function selectMask(
  scores: Float32Array,
  segments: readonly PruneSegment[],
  density: number,
  mask: Float32Array,
  opts: SelectMaskOptions,
): number {
  if (scores.length !== mask.length || opts.current.length !== mask.length) {
    throw new RangeError(`selectMask: scores (${scores.length}), mask (${mask.length}) and current mask (${opts.current.length}) must have one length`);
  }
  let alive = 0;
  const prepared = opts.prepared ?? null;
  const drop = opts.drop ?? null;
  if (drop !== null && opts.regrow) throw new RangeError('selectMask: drop (zeroing the dropped weights) cannot be used with regrow');
  if (prepared !== null) {
    if (prepared.length !== segments.length) throw new RangeError(`selectMask: prepared has ${prepared.length} entries for ${segments.length} segments`);
    segments.forEach((s, i) => {
      if (!(prepared[i] >= 0)) throw new RangeError(`selectMask: the scores of '${s.key}' were not written (prepared[${i}] = ${prepared[i]})`);
      if (s.participates) alive += prepared[i];
    });
  }
  for (const s of prepared === null ? segments : []) {
    const end = s.offset + s.length;
    if (!s.participates) {
      scores.fill(POS_INF, s.offset, end);
      continue;
    }
    assertFiniteScores(scores, s);
    if (opts.invert) for (let i = s.offset; i < end; i++) scores[i] = -scores[i];
    if (opts.regrow) {
      alive += s.length;
      continue;
    }
    alive += excludePruned(scores, opts.current, s.offset, end);
  }
  let kept = 0;
  if (opts.scope === 'global') {
    let n = 0;
    let dense = 0;
    for (const s of segments) {
      if (s.participates) n += s.length;
      else dense += s.length;
    }
    const k = Math.min(keepCount(density, n), opts.regrow ? n : alive);
    selectTopK(scores, k + dense, mask, drop);
    kept = k;
  } else {
    const offsets = new Float64Array(segments.length + 1);
    const ks = new Float64Array(segments.length);
    segments.forEach((s, i) => {
      offsets[i] = s.offset;
      if (!s.participates) {
        ks[i] = s.length;
        return;
      }
      let aliveHere = s.length;
      if (prepared !== null) aliveHere = prepared[i];
      else if (!opts.regrow) {
        aliveHere = 0;
        for (let j = s.offset; j < s.offset + s.length; j++) if (opts.current[j] !== 0) aliveHere++;
      }
      ks[i] = Math.min(keepCount(density, s.length), aliveHere);
      kept += ks[i];
    });
    const last = segments[segments.length - 1];
    offsets[segments.length] = last ? last.offset + last.length : 0;
    checkContiguous(segments, mask.length);
    selectTopKSegments(scores, offsets, ks, mask, drop);
  }
  return kept;
}

/** Throws naming the tensor and index when a score is NaN or ±Infinity (one native sum when available). */
function assertFiniteScores(scores: Float32Array, s: PruneSegment): void {
  const end = s.offset + s.length;
  const reduceSum = loadNative().addon?.reduceSum;
  let check = 0;
  if (typeof reduceSum === 'function' && s.length > NATIVE_MIN) {
    // The sum runs in double, so it is non-finite exactly when some score is.
    const out = new Float32Array(1);
    reduceSum(scores.subarray(s.offset, end), 1, s.length, 1, out);
    check = out[0] - out[0];
  } else {
    for (let i = s.offset; i < end; i++) check += scores[i] - scores[i];
  }
  if (check === 0) return;
  for (let i = s.offset; i < end; i++) {
    const v = scores[i];
    if (v - v !== 0) {
      throw new RangeError(`prune: the score of '${s.key}'[${i - s.offset}] is ${v}; the scorer overflowed or diverged (check the data and the model's weights)`);
    }
  }
}

/**
 * Gives pruned weights (current mask 0) the score -Infinity so they are never selected;
 * returns the number of live weights in [from, to). Natively: scores += log(mask), since
 * log(1) = 0 and log(0) = -Infinity, and the live count is the mask's sum.
 */
function excludePruned(scores: Float32Array, current: Float32Array, from: number, to: number): number {
  const addon = loadNative().addon;
  const n = to - from;
  if (addon && typeof addon.unary === 'function' && typeof addon.binary === 'function' && typeof addon.reduceSum === 'function' && n > NATIVE_MIN) {
    const m = current.subarray(from, to);
    if (scratch.length < n) scratch = new Float32Array(n);
    const logMask = scratch.subarray(0, n);
    addon.unary('log', m, logMask, 0, 0);
    const view = scores.subarray(from, to);
    const one = Int32Array.of(1);
    addon.binary('add', view, one, logMask, one, view, Int32Array.of(n));
    const total = new Float32Array(1);
    addon.reduceSum(m, 1, n, 1, total);
    return Math.round(total[0]);
  }
  let live = 0;
  for (let i = from; i < to; i++) {
    if (current[i] === 0) scores[i] = NEG_INF;
    else live++;
  }
  return live;
}

/** Reused between calls: a fresh 60 MB array per pruning iteration costs more than the kernels. */
let scratch = new Float32Array(0);

/** Below this many elements the JS loops beat a native call. */
const NATIVE_MIN = 1 << 16;

/** Segments must tile the prunable block in order (they come from the arena). */
export function checkContiguous(segments: readonly PruneSegment[], n: number): void {
  let at = 0;
  for (const s of segments) {
    if (s.offset !== at) throw new RangeError(`selectMask: segment '${s.key}' starts at ${s.offset}, expected ${at}`);
    at += s.length;
  }
  if (at !== n) throw new RangeError(`selectMask: segments cover ${at} of ${n} prunable weights`);
}
