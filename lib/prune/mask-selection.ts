import { selectTopK, selectTopKSegments } from '../backend/sparse/select';
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
  for (const s of segments) {
    const end = s.offset + s.length;
    if (!s.participates) {
      scores.fill(POS_INF, s.offset, end);
      continue;
    }
    const invert = opts.invert === true;
    const keepPruned = opts.regrow === true;
    const current = opts.current;
    for (let i = s.offset; i < end; i++) {
      const v = scores[i];
      // v - v is NaN exactly for NaN and ±Infinity: one cheap test in the hot loop.
      if (v - v !== 0) {
        throw new RangeError(
          `prune: the score of '${s.key}'[${i - s.offset}] is ${v}; the scorer overflowed or diverged (check the data and the model's weights)`,
        );
      }
      if (invert) scores[i] = -v;
      if (!keepPruned && current[i] === 0) scores[i] = NEG_INF;
      else alive++;
    }
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
    selectTopK(scores, k + dense, mask);
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
      if (!opts.regrow) {
        aliveHere = 0;
        for (let j = s.offset; j < s.offset + s.length; j++) if (opts.current[j] !== 0) aliveHere++;
      }
      ks[i] = Math.min(keepCount(density, s.length), aliveHere);
      kept += ks[i];
    });
    const last = segments[segments.length - 1];
    offsets[segments.length] = last ? last.offset + last.length : 0;
    checkContiguous(segments, mask.length);
    selectTopKSegments(scores, offsets, ks, mask);
  }
  return kept;
}

/** Segments must tile the prunable block in order (they come from the arena). */
function checkContiguous(segments: readonly PruneSegment[], n: number): void {
  let at = 0;
  for (const s of segments) {
    if (s.offset !== at) throw new RangeError(`selectMask: segment '${s.key}' starts at ${s.offset}, expected ${at}`);
    at += s.length;
  }
  if (at !== n) throw new RangeError(`selectMask: segments cover ${at} of ${n} prunable weights`);
}
