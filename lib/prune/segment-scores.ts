import { loadNative } from '../backend/native-loader';
import type { ScoreKind } from '../backend/sparse/select';
import type { ScoreContext } from './pruner';

// Module-level constants: global lookups are slow inside vm contexts such as jest's.
const POS_INF = Number.POSITIVE_INFINITY;
const NEG_INF = Number.NEGATIVE_INFINITY;
const abs = Math.abs;

/** Below this many elements a JS loop beats the native call. */
const NATIVE_MIN = 1 << 12;

/**
 * Starts a fused scoring pass: the scorer then writes every segment through
 * {@link writeSegmentScores}, which leaves ctx.scores ready for selection (pruned weights at
 * -Infinity unless the pruner regrows, scores negated for the 'invert' sanity check,
 * non-participating tensors at +Infinity) and records each segment's live count in
 * ctx.prepared, so the selection skips its own passes over the scores.
 */
export function beginSegmentScores(ctx: ScoreContext): Float64Array {
  const prepared = new Float64Array(ctx.segments.length).fill(-1);
  ctx.prepared = prepared;
  return prepared;
}

/**
 * Writes the finished scores of segment `index` in one pass (natively when the addon has
 * it): s = |θ| ('abs'), |θ ⊙ g| ('absprod'), θ ⊙ g ('prod') or -θ ⊙ g ('negprod'), with
 * θ and g the segment's own values (g null: 'abs', or a tensor without gradient, whose
 * scores are all 0). Throws naming the tensor and index when a live score is NaN or ±Infinity.
 */
export function writeSegmentScores(ctx: ScoreContext, index: number, kind: ScoreKind, theta: Float32Array, g: Float32Array | null): void {
  const prepared = ctx.prepared;
  if (!prepared) throw new Error('writeSegmentScores: call beginSegmentScores first');
  const s = ctx.segments[index];
  const out = ctx.scores.subarray(s.offset, s.offset + s.length);
  if (theta.length !== s.length || (g !== null && g.length !== s.length)) {
    throw new RangeError(`writeSegmentScores: '${s.key}' has ${s.length} weights; got theta ${theta.length}, g ${g?.length ?? 'null'}`);
  }
  if (!s.participates) {
    out.fill(POS_INF);
    prepared[index] = s.length;
    return;
  }
  const mask = ctx.excludePruned === false ? null : ctx.prunedAreZero === true && isArenaView(ctx, s.offset, theta) ? theta : ctx.arena.masks.subarray(s.offset, s.offset + s.length);
  const invert = ctx.invert === true;
  let bad = -1;
  const native = loadNative().addon?.pruneScores;
  if (typeof native === 'function' && s.length >= NATIVE_MIN && (g !== null || kind === 'abs')) {
    const r = native(kind, theta, g, mask, invert, out) as Float64Array;
    prepared[index] = r[0];
    bad = r[1];
  } else {
    let alive = 0;
    const sign = invert ? -1 : 1;
    for (let i = 0; i < s.length; i++) {
      if (mask !== null && mask[i] === 0) {
        out[i] = NEG_INF;
        continue;
      }
      alive++;
      const t = theta[i];
      const d = g === null ? 0 : g[i];
      const v = kind === 'abs' ? abs(t) : kind === 'absprod' ? (g === null ? 0 : abs(t * d)) : kind === 'prod' ? t * d : -(t * d);
      out[i] = sign * v;
      if (bad < 0 && out[i] - out[i] !== 0) bad = i;
    }
    prepared[index] = alive;
  }
  if (bad >= 0) {
    throw new RangeError(`prune: the score of '${s.key}'[${bad}] is ${out[bad]}; the scorer overflowed or diverged (check the data and the model's weights)`);
  }
}

/** {@link writeSegmentScores} for every segment, from arrays over the whole prunable block. */
export function writeArenaScores(ctx: ScoreContext, kind: ScoreKind, theta: Float32Array, g: Float32Array | null): void {
  beginSegmentScores(ctx);
  ctx.segments.forEach((s, i) => {
    const end = s.offset + s.length;
    writeSegmentScores(ctx, i, kind, theta.subarray(s.offset, end), g === null ? null : g.subarray(s.offset, end));
  });
}

/**
 * Whether `theta` is the arena's own weights at `offset`: when pruned weights are exactly 0
 * and live ones are not (ctx.prunedAreZero), they are their own mask, read in the same
 * cache lines as the weights instead of another pass over the masks.
 */
function isArenaView(ctx: ScoreContext, offset: number, theta: Float32Array): boolean {
  const values = ctx.arena.values;
  return theta.buffer === values.buffer && theta.byteOffset === values.byteOffset + offset * 4;
}
