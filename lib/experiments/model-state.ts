import { saveSafetensors, type SafetensorsInput } from '../io/safetensors';
import { createModel, type ModelSpec, type ZooModel } from '../models/registry';
import { getBackend } from '../backend';
import type { ModelSnapshot } from './pruning';

/**
 * A zoo model as plain data: how to rebuild it, every state-dict value and the masks (null
 * when none are active). It crosses a worker boundary by structured clone.
 */
export interface ModelState {
  spec: ModelSpec;
  state: { key: string; shape: number[]; data: Float32Array | Float64Array }[];
  masks: Float32Array | null;
}

/** The state of `model`, copied (later changes to the model do not show in it). */
export function exportModel(model: ZooModel): ModelState {
  if (!model.spec) throw new TypeError('exportModel: the model has no spec; worker mode needs a model built by createModel');
  const state = [...model.stateDict()].map(([key, t]) => {
    const d = t.data();
    return { key, shape: [...t.shape], data: d instanceof Float64Array ? d.slice() : Float32Array.from(d) };
  });
  const arena = model.arena;
  return { spec: { ...model.spec, inputShape: [...model.spec.inputShape] as ModelSpec['inputShape'] }, state, masks: arena.masksActive ? arena.masks.slice() : null };
}

/**
 * Writes a state into `into` (same architecture) or into a model rebuilt from the spec
 * without drawing an initialization; masks are applied when the state has them.
 */
export function importModel(s: ModelState, into?: ZooModel): ZooModel {
  const model =
    into ?? createModel(s.spec.name, { inputShape: s.spec.inputShape, numClasses: s.spec.numClasses, seed: s.spec.seed, initialize: false });
  if (!into && getBackend().device !== 'cpu') model.to(getBackend().device);
  model.loadStateDict(new Map(s.state.map((e) => [e.key, { shape: e.shape, data: e.data }])));
  if (s.masks) {
    model.arena.masks.set(s.masks);
    model.arena.activateMasks();
  }
  return model;
}

/**
 * Writes the weights training starts from to a safetensors file under PyTorch keys: the
 * model's current state, except that pruned weights show their values in `initial` (the
 * dense initialization) rather than 0, so the file plus masks.safetensors reproduces the
 * run, and the file alone is the initialization a PyTorch user can score again.
 */
export function saveStartWeights(file: string, model: ZooModel, initial: ModelSnapshot): void {
  const arena = model.arena;
  const merged = new Map<string, Float32Array>();
  for (const e of arena.prunableParameters()) {
    const w = arena.values.slice(e.offset, e.offset + e.length);
    for (let i = 0; i < e.length; i++) if (arena.masks[e.offset + i] === 0) w[i] = initial.values[e.offset + i];
    merged.set(e.key, w);
  }
  const tensors: Record<string, SafetensorsInput> = {};
  for (const [key, t] of model.stateDict()) {
    const data = merged.get(key) ?? t.data();
    tensors[key] = key.endsWith('num_batches_tracked')
      ? { dtype: 'I64', shape: [...t.shape], data: Array.from(data, Math.round) }
      : { dtype: 'F32', shape: [...t.shape], data: data instanceof Float32Array ? data : Float32Array.from(data) };
  }
  saveSafetensors(file, tensors, { format: 'prune-at-init/weights', model: model.spec.name, seed: String(model.spec.seed) });
}
