import { Tensor, tidy } from '../tensor';
import { add, mul, sum, crossEntropy } from '../ops';
import { grad } from '../autograd';
import type { BatchSource } from '../train/batches';
import { accumulateLossGradients, clearGrads, hostTensorOn, pruningBatches } from './gradients';
import { linearizedFlowGradients } from './pruners/synflow';
import { GRASP_TEMPERATURE } from './pruners/grasp';
import type { ArenaModel } from './pruner';

/** Score sum of one prunable layer. */
export interface LayerScoreSum {
  name: string;
  params: number;
  scoreSum: number;
}

/** Incoming and outgoing saliency of one hidden unit (channel). */
export interface UnitScore {
  layer: string;
  unit: number;
  incoming: number;
  outgoing: number;
}

/** Conservation of the synaptic saliency S = θ ⊙ ∂R/∂θ of one scorer on one model. */
export interface ConservationReport {
  /** R: the synaptic flow (synflow), the summed loss (snip) or gᵀ∇L (grasp). */
  R: number;
  layers: LayerScoreSum[];
  /** max over layers of |sum_l - ref| / |ref|, ref = R for synflow, the last layer's sum otherwise (Theorem 2). */
  networkResidual: number;
  /** |in - out| / max(|in|, |out|) over hidden units (Theorem 1); units = 0 where the model is not a plain chain. */
  neuronResidual: { max: number; mean: number; units: number };
  /** Every hidden unit for small nets, else an even sample of at most `maxUnits`. */
  neurons: UnitScore[];
}

/** Scorers whose score is a synaptic saliency θ ⊙ ∂R/∂θ. */
export const SALIENCY_SCORERS = ['synflow', 'snip', 'grasp'] as const;

/**
 * The signed synaptic saliency of every parameter (the whole arena, biases included) for
 * the R of `scorer`, and R. Gradients are left cleared.
 */
export async function synapticSaliency(
  model: ArenaModel,
  scorer: (typeof SALIENCY_SCORERS)[number],
  data: BatchSource | null,
): Promise<{ R: number; saliency: Float64Array }> {
  const arena = model.arena;
  const theta = arena.values;
  let R: number;
  let scale = 1;
  if (scorer === 'synflow') {
    const shape = model.spec?.inputShape;
    if (!shape) throw new RangeError('conservation: synflow needs the model spec.inputShape (build it with createModel)');
    const out = linearizedFlowGradients(model, shape, 1, 'conservation');
    scale = out.scale;
    R = out.r / scale;
    const g = arena.gatherGrads();
    const s = new Float64Array(theta.length);
    const abs = Math.abs;
    for (let i = 0; i < s.length; i++) s[i] = (abs(theta[i]) * g[i]) / scale;
    clearGrads(model);
    return { R, saliency: s };
  }
  if (!data) throw new RangeError(`conservation: ${scorer} needs a pruning set of labelled samples (data)`);
  clearGrads(model);
  if (scorer === 'snip') {
    R = await accumulateLossGradients(model, data, { where: 'conservation' });
  } else {
    const params = arena.entries.map((e) => e.param);
    await accumulateLossGradients(model, data, { temperature: GRASP_TEMPERATURE, where: 'conservation' });
    const stopped = arena.gatherGrads().slice();
    clearGrads(model);
    R = 0;
    for await (const { x, y } of pruningBatches(data, 'conservation', model.device())) {
      R += tidy(() => {
        const loss = crossEntropy(mul(model.forward(x), 1 / GRASP_TEMPERATURE), y);
        const gs = grad([loss], params, { createGraph: true, allowUnused: true });
        let z: Tensor | null = null;
        gs.forEach((g, i) => {
          if (!g) return;
          const e = arena.entries[i];
          const term = sum(mul(g, hostTensorOn(stopped.subarray(e.offset, e.offset + e.length), e.param.shape, g.device)));
          z = z ? add(z, term) : term;
        });
        if (!z) return 0;
        const zt = z as Tensor;
        const v = zt.item();
        zt.backward();
        return v;
      });
      x.dispose();
    }
  }
  const g = arena.gatherGrads();
  const s = new Float64Array(theta.length);
  for (let i = 0; i < s.length; i++) s[i] = theta[i] * g[i];
  clearGrads(model);
  return { R, saliency: s };
}

/**
 * Checks the conservation laws of synaptic saliency (SynFlow paper, Theorems 1 and 2) on
 * `model` at its current weights: layer score sums against R, and, on plain chains of conv
 * and linear layers (no batch norm, no shortcuts), each hidden channel's incoming saliency
 * (weights into it plus its bias) against its outgoing saliency. Sums are accumulated in
 * float64 from the float32 network.
 */
export async function conservationReport(
  model: ArenaModel,
  opts: { scorer: (typeof SALIENCY_SCORERS)[number]; data?: BatchSource | null; maxUnits?: number },
): Promise<ConservationReport> {
  if (!(SALIENCY_SCORERS as readonly string[]).includes(opts.scorer)) {
    throw new RangeError(`conservation: '${opts.scorer}' is not a synaptic saliency; use one of ${SALIENCY_SCORERS.join(', ')}`);
  }
  const { R, saliency } = await synapticSaliency(model, opts.scorer, opts.data ?? null);
  const arena = model.arena;
  const weights = arena.entries.filter((e) => e.prunable && e.param.ndim >= 2);
  const sumOf = (offset: number, length: number): number => {
    let t = 0;
    for (let i = offset; i < offset + length; i++) t += saliency[i];
    return t;
  };
  const layers = weights.map((e) => ({ name: e.key, params: e.length, scoreSum: sumOf(e.offset, e.length) }));
  const ref = opts.scorer === 'synflow' ? R : (layers[layers.length - 1]?.scoreSum ?? 0);
  let networkResidual = 0;
  for (const l of layers) networkResidual = Math.max(networkResidual, Math.abs(l.scoreSum - ref) / Math.max(Math.abs(ref), 1e-300));
  const chain = model.namedBuffers().length === 0 && !arena.entries.some((e) => /shortcut/.test(e.key));
  const all: UnitScore[] = [];
  if (chain) {
    for (let l = 0; l + 1 < weights.length; l++) {
      const w = weights[l];
      const next = weights[l + 1];
      const units = w.param.shape[0];
      const inFeatures = next.param.shape[1];
      if (inFeatures % units !== 0) continue;
      const group = inFeatures / units;
      const rowLen = w.length / units;
      const nextRow = next.length / next.param.shape[0];
      const perIn = nextRow / inFeatures;
      const bias = arena.entries.find((e) => e.key === w.key.replace(/weight$/, 'bias'));
      for (let j = 0; j < units; j++) {
        let incoming = sumOf(w.offset + j * rowLen, rowLen);
        if (bias) incoming += saliency[bias.offset + j];
        let outgoing = 0;
        for (let k = 0; k < next.param.shape[0]; k++) outgoing += sumOf(next.offset + k * nextRow + j * group * perIn, group * perIn);
        all.push({ layer: w.key, unit: j, incoming, outgoing });
      }
    }
  }
  let max = 0;
  let total = 0;
  for (const u of all) {
    const r = Math.abs(u.incoming - u.outgoing) / Math.max(Math.abs(u.incoming), Math.abs(u.outgoing), 1e-300);
    max = Math.max(max, r);
    total += r;
  }
  const maxUnits = opts.maxUnits ?? 512;
  const stride = Math.max(1, Math.ceil(all.length / maxUnits));
  return {
    R,
    layers,
    networkResidual,
    neuronResidual: { max, mean: all.length ? total / all.length : 0, units: all.length },
    neurons: all.filter((_, i) => i % stride === 0),
  };
}
