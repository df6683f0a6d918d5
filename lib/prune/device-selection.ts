import { keep, zeros, type Tensor } from '../tensor';
import type { Backend } from '../backend';
import { copyFromHost, windowOf } from '../nn/device-mirror';
import type { ParameterArena } from '../nn/arena';
import type { ScoreKind } from '../backend/sparse/select';
import type { PruneSegment } from './prunable';
import type { PruneScope } from './mask-selection';
import { checkContiguous } from './mask-selection';
import { keepCount } from './target';

/** The device kernels of scoring and selection (the cuda backend's; see native/cuda/select.h). */
interface DeviceSelectKernels {
  scoreKernel(kind: ScoreKind, theta: unknown, g: unknown, out: unknown): void;
  selectTopK(scores: unknown, k: number, mask: unknown): number;
  selectTopKSegments(scores: unknown, offsets: ArrayLike<number>, ks: ArrayLike<number>, mask: unknown): Float64Array;
}

const ONE = Int32Array.of(1);
const BROADCAST = Int32Array.of(0);

function storage(t: Tensor): unknown {
  return t.storageRef('DeviceSelection').data;
}

/**
 * The pruning loop's scores, selection and masks on the device an arena lives on, so that
 * an iteration moves nothing between host and device: a scorer writes each segment's
 * scores from its device weights and gradients ({@link write}), the exact top-k (ties to
 * the lower index, as on the cpu) writes the new mask straight into the device masks, and
 * the dropped weights are zeroed there. Live counts follow from the previous selection (it
 * keeps exactly its k), so nothing is read back but a check sum. {@link close} copies the
 * masks and the prunable weights back to the host arena once, at the end.
 */
export class DeviceSelection {
  private readonly scores: Tensor;
  private readonly logMask: Tensor;
  private readonly windows: Tensor[];
  private readonly check: Tensor;
  private readonly zero: Tensor;
  private readonly written: boolean[];
  /** Live weights per segment before the next local selection, and in all before the next global one. */
  private readonly alive: Float64Array;
  private liveTotal: number;

  private constructor(
    private readonly arena: ParameterArena,
    private readonly segments: readonly PruneSegment[],
    private readonly kernels: DeviceSelectKernels & Backend,
    private readonly values: Tensor,
    private readonly masks: Tensor,
    private readonly regrow: boolean,
  ) {
    const n = arena.prunableLength;
    const backend = values.backend;
    this.scores = keep(zeros([n], { backend }));
    this.logMask = keep(zeros([n], { backend }));
    this.check = keep(zeros([1], { backend }));
    this.zero = keep(zeros([1], { backend }));
    this.windows = segments.map((s) => windowOf(this.scores, s.offset, [s.length])!);
    this.written = segments.map(() => false);
    const host = arena.masks;
    this.alive = Float64Array.from(segments, (s) => {
      let live = 0;
      for (let i = s.offset; i < s.offset + s.length; i++) if (host[i] !== 0) live++;
      return live;
    });
    this.liveTotal = segments.reduce((t, s, i) => t + (s.participates ? this.alive[i] : 0), 0);
  }

  /**
   * Scoring and selection on the arena's device, or null where they stay on the host: a
   * cpu arena, a backend without the device kernels or shared storage, compressed layers,
   * or nothing to prune. Copies the host masks and prunable weights to the device first.
   * With `regrow` (FORCE), pruned weights compete again at every selection.
   */
  static open(arena: ParameterArena, segments: readonly PruneSegment[], opts: { regrow?: boolean } = {}): DeviceSelection | null {
    if (arena.device === 'cpu' || arena.prunableLength === 0 || segments.length === 0) return null;
    if (arena.prunableParameters().some((e) => e.param.compressed)) return null;
    const values = arena.deviceWindow('values', 0, [arena.prunableLength]);
    const masks = values && arena.deviceWindow('masks', 0, [arena.prunableLength]);
    const backend = values?.backend as unknown as Partial<DeviceSelectKernels> | undefined;
    const kernels = typeof backend?.scoreKernel === 'function' && typeof backend.selectTopK === 'function' && typeof backend.selectTopKSegments === 'function';
    if (!values || !masks || !kernels) {
      values?.dispose();
      masks?.dispose();
      return null;
    }
    checkContiguous(segments, arena.prunableLength);
    // The host copies are current while pruning on the host's side of the loop.
    copyFromHost(values, arena.values.subarray(0, arena.prunableLength));
    copyFromHost(masks, arena.masks.subarray(0, arena.prunableLength));
    return new DeviceSelection(arena, segments, values.backend as unknown as DeviceSelectKernels & Backend, values, masks, opts.regrow === true);
  }

  /**
   * Writes the raw scores of segment `index` from device tensors: |θ| ('abs'), |θ ⊙ g|
   * ('absprod'), θ ⊙ g ('prod') or -θ ⊙ g ('negprod'); g null scores 0 (a tensor without
   * gradient), or |θ| for 'abs'. The selection finishes them (pruned, inverted, checked).
   */
  write(index: number, kind: ScoreKind, theta: Tensor, g: Tensor | null): void {
    const s = this.segments[index];
    if (theta.size !== s.length || (g !== null && g.size !== s.length)) {
      throw new RangeError(`DeviceSelection.write: '${s.key}' has ${s.length} weights; got theta ${theta.size}, g ${g?.size ?? 'null'}`);
    }
    const out = storage(this.windows[index]);
    if (g === null && kind !== 'abs') this.kernels.fill(out, 0);
    else this.kernels.scoreKernel(kind, storage(theta), g === null ? null : storage(g), out);
    this.written[index] = true;
  }

  /**
   * {@link write} for every segment from its parameter's gradient and, as θ, the parameter
   * itself, or `theta` (a device tensor over the whole prunable block, e.g. FORCE's θ₀).
   * 'abs' reads no gradient.
   */
  writeParameters(kind: ScoreKind, theta: Tensor | null = null): void {
    if (theta !== null && theta.size !== this.arena.prunableLength) {
      throw new RangeError(`DeviceSelection.writeParameters: theta has ${theta.size} weights, expected ${this.arena.prunableLength}`);
    }
    this.arena.prunableParameters().forEach((e, i) => {
      const g = kind === 'abs' ? null : e.param.grad;
      if (theta === null) return this.write(i, kind, e.param, g);
      const t = windowOf(theta, e.offset, [e.length])!;
      try {
        this.write(i, kind, t, g);
      } finally {
        t.dispose();
      }
    });
  }

  /**
   * Raw scores for every segment at once from a device tensor over the whole prunable block
   * (rand's Gaussian draw).
   */
  writeAll(scores: Tensor): void {
    if (scores.size !== this.arena.prunableLength) throw new RangeError(`DeviceSelection.writeAll: expected ${this.arena.prunableLength} scores, got ${scores.size}`);
    this.kernels.copy(storage(scores), storage(this.scores), scores.size);
    this.written.fill(true);
  }

  /**
   * Divides the written scores by |Σ participating scores| + eps (GraSP's normalization, as
   * in the reference); the sum is one float64 device reduction.
   */
  normalize(eps: number): void {
    const b = this.kernels;
    this.segments.forEach((s, i) => {
      if (!s.participates) b.fill(storage(this.windows[i]), 0);
    });
    b.reduceSum(storage(this.scores), 1, this.arena.prunableLength, 1, storage(this.check));
    const total = (this.check.data() as Float32Array)[0];
    b.fill(storage(this.check), Math.abs(total) + eps);
    b.binary('div', storage(this.scores), ONE, storage(this.check), BROADCAST, storage(this.scores), Int32Array.of(this.arena.prunableLength));
  }

  /**
   * Keeps round(density x N) of the live participating weights with the highest scores
   * (global), or round(density x n_l) in each segment (local), in the device masks, and
   * zeroes the weights it drops. Returns the number kept among the participating weights.
   */
  select(scope: PruneScope, density: number, invert: boolean): number {
    const { segments, kernels: b } = this;
    // Each selection takes the scores written since the last one.
    const written = this.written.slice();
    this.written.fill(false);
    segments.forEach((s, i) => {
      if (s.participates && !written[i]) throw new RangeError(`DeviceSelection: the scores of '${s.key}' were not written`);
      if (!s.participates) b.fill(storage(this.windows[i]), 0);
    });
    this.assertFinite();
    const S = storage(this.scores), M = storage(this.masks), n = Int32Array.of(this.arena.prunableLength);
    if (invert) b.unary('neg', S, S, 0, 0);
    if (!this.regrow) {
      // Pruned weights never come back: scores + log(mask), log(0) = -Infinity.
      b.unary('log', M, storage(this.logMask), 0, 0);
      b.binary('add', S, ONE, storage(this.logMask), ONE, S, n);
    }
    segments.forEach((s, i) => {
      if (!s.participates) b.fill(storage(this.windows[i]), Number.POSITIVE_INFINITY);
    });
    let kept = 0;
    if (scope === 'global') {
      let total = 0, dense = 0;
      for (const s of segments) {
        if (s.participates) total += s.length;
        else dense += s.length;
      }
      kept = Math.min(keepCount(density, total), this.regrow ? total : this.liveTotal);
      b.selectTopK(S, kept + dense, M);
      // Exactly `kept` live participating weights survive (where, only the device knows).
      this.liveTotal = kept;
    } else {
      const offsets = new Float64Array(segments.length + 1);
      const ks = new Float64Array(segments.length);
      segments.forEach((s, i) => {
        offsets[i] = s.offset;
        ks[i] = s.participates ? Math.min(keepCount(density, s.length), this.regrow ? s.length : this.alive[i]) : s.length;
        if (s.participates) kept += ks[i];
        this.alive[i] = ks[i];
      });
      this.liveTotal = kept;
      offsets[segments.length] = this.arena.prunableLength;
      b.selectTopKSegments(S, offsets, ks, M);
    }
    // Dropped weights become +0 (as on the host; a product would leave -0 for negative ones).
    const V = storage(this.values);
    b.where(M, ONE, V, ONE, storage(this.zero), BROADCAST, V, n);
    // As on the host, the layers compute with the new masks from the next iteration on, so
    // that pruned weights get no gradient (GraSP's g, for one, reads every participating
    // gradient). FORCE evaluates θ₀ ⊙ m with unmasked gradients instead.
    if (!this.regrow && !this.arena.masksActive) this.arena.activateDeviceMasks();
    return kept;
  }

  /**
   * The prunable weights become `from` ⊙ mask on the device (FORCE evaluates the network at
   * θ₀ ⊙ m); `from` is a device tensor over the whole prunable block.
   */
  maskedWeights(from: Tensor): void {
    if (from.size !== this.arena.prunableLength) throw new RangeError(`DeviceSelection.maskedWeights: expected ${this.arena.prunableLength} weights, got ${from.size}`);
    const n = Int32Array.of(this.arena.prunableLength);
    this.kernels.where(storage(this.masks), ONE, storage(from), ONE, storage(this.zero), BROADCAST, storage(this.values), n);
  }

  /** Throws naming the tensor and index when a raw score is NaN or ±Infinity (one device sum, float64). */
  private assertFinite(): void {
    const b = this.kernels;
    b.reduceSum(storage(this.scores), 1, this.arena.prunableLength, 1, storage(this.check));
    const sum = (this.check.data() as Float32Array)[0];
    if (sum - sum === 0) return;
    const host = this.scores.data() as Float32Array;
    for (const s of this.segments) {
      for (let i = s.offset; i < s.offset + s.length; i++) {
        const v = host[i];
        if (v - v !== 0) {
          throw new RangeError(`prune: the score of '${s.key}'[${i - s.offset}] is ${v}; the scorer overflowed or diverged (check the data and the model's weights)`);
        }
      }
    }
  }

  /** Copies the device masks and prunable weights to the host arena and frees the device buffers. */
  close(): void {
    try {
      this.arena.masks.subarray(0, this.arena.prunableLength).set(this.masks.data() as Float32Array);
      this.arena.values.subarray(0, this.arena.prunableLength).set(this.values.data() as Float32Array);
    } finally {
      for (const t of [this.scores, this.logMask, this.check, this.zero, this.values, this.masks, ...this.windows]) t.dispose();
    }
  }
}
