import { full, tidy } from '../tensor';
import { sum } from '../ops';
import { noGrad } from '../autograd';
import { keptCount } from '../nn/mask-passes';
import type { ArenaModel } from './pruner';
import type { PruneSegment } from './prunable';
import { isHomogeneous, searchFlowScale, withLinearizedModel } from './pruners/synflow';

/** One prunable tensor after pruning (density = survivors / params). */
export interface LayerDensity {
  /** PyTorch key of the weight, e.g. `layers.3.conv.weight`. */
  name: string;
  shape: number[];
  params: number;
  survivors: number;
  density: number;
}

/** Per-layer counts of the current masks, in arena (forward) order. */
export function layerDensities(masks: Float32Array, segments: readonly PruneSegment[]): LayerDensity[] {
  return segments.map((s) => {
    const kept = keptCount(masks.subarray(s.offset, s.offset + s.length));
    return { name: s.key, shape: [...s.shape], params: s.length, survivors: kept, density: s.length ? kept / s.length : 1 };
  });
}

/** Names of the layers with no survivors (layer collapse). */
export function collapsedLayers(layers: readonly LayerDensity[]): string[] {
  return layers.filter((l) => l.params > 0 && l.survivors === 0).map((l) => l.name);
}

/** Output sum of the linearized model on a constant input, without gradients. */
function flowAt(model: ArenaModel, shape: readonly number[], value: number): number {
  return tidy(() => noGrad(() => sum(model.forward(full([1, ...shape], value, { device: model.device() }))).item()));
}

/**
 * Synaptic flow R = 1ᵀ f_|θ|(1) of the current (masked) model, in float64 from a float32
 * forward pass: on a homogeneous net the input is rescaled by powers of two when float32
 * would under- or overflow, and R is scaled back.
 */
export function synapticFlow(model: ArenaModel, inputShape: readonly number[]): number {
  const homogeneous = isHomogeneous(model);
  return withLinearizedModel(model, () => {
    const { r, scale } = searchFlowScale(homogeneous, 1, (s) => flowAt(model, inputShape, s));
    return r / scale;
  });
}

/**
 * Whether any input-to-output path of surviving weights remains: the flow of the network
 * whose prunable weights are their 0/1 masks, every other weight and scale 1, and every
 * bias and shift 0, counts such paths (up to pooling factors), so it is > 0 exactly when
 * one exists. Float32 overflow to Infinity still reads as "a path exists".
 */
export function pathExists(model: ArenaModel, inputShape: readonly number[]): boolean {
  const arena = model.arena;
  return withLinearizedModel(model, () => {
    const v = arena.values;
    for (const e of arena.entries) {
      const w = v.subarray(e.offset, e.offset + e.length);
      if (e.prunable && e.param.ndim >= 2) w.set(arena.masks.subarray(e.offset, e.offset + e.length));
      else w.fill(e.key.endsWith('.bias') ? 0 : 1);
    }
    arena.syncToDevice();
    // fill_ writes where the buffers live (data() is a host copy on a device).
    for (const [key, b] of model.namedBuffers()) {
      if (key.endsWith('running_mean')) b.fill_(0);
      else if (key.endsWith('running_var')) b.fill_(1);
    }
    const r = flowAt(model, inputShape, 1);
    return r > 0;
  });
}
