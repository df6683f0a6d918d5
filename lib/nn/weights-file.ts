import type { Module } from './module';
import { loadSafetensors, saveSafetensors, type SafetensorsInput } from '../io/safetensors';

/** Suffix of mask entries, as the SynFlow code names its mask buffers (`layers.0.conv.weight_mask`). */
export const MASK_SUFFIX = '_mask';

/** Options of {@link saveWeights}. */
export interface SaveWeightsOptions {
  /** Also write the masks of prunable weights as `<key>_mask` (default: when the masks are active). */
  masks?: boolean;
  /** String metadata stored in the file's header. */
  metadata?: Record<string, string>;
}

/**
 * Writes a model's state dict to a safetensors file under PyTorch keys (so
 * `model.load_state_dict(safetensors.torch.load_file(f), strict=False)` reads it), batch-norm
 * batch counts as I64 like PyTorch, and the masks as `<key>_mask` (SynFlow's buffer names).
 * The write is atomic.
 */
export function saveWeights(file: string, model: Module, opts: SaveWeightsOptions = {}): void {
  const tensors: Record<string, SafetensorsInput> = {};
  for (const [key, t] of model.stateDict()) {
    const data = t.data();
    tensors[key] = key.endsWith('num_batches_tracked')
      ? { dtype: 'I64', shape: [...t.shape], data: Array.from(data, Math.round) }
      : { dtype: 'F32', shape: [...t.shape], data: data instanceof Float32Array ? data : Float32Array.from(data) };
  }
  const arena = model.arena;
  if (arena && (opts.masks ?? arena.masksActive)) {
    for (const e of arena.prunableParameters()) {
      tensors[e.key + MASK_SUFFIX] = { dtype: 'F32', shape: [...e.param.shape], data: arena.masks.subarray(e.offset, e.offset + e.length) };
    }
  }
  saveSafetensors(file, tensors, opts.metadata);
}

/**
 * Loads weights (and masks, if the file has `<key>_mask` entries for the prunable weights)
 * from a safetensors file keyed by PyTorch paths into `model`, in place. Masks of
 * non-prunable parameters (SynFlow's bias and batch-norm masks) must be all ones. Missing or
 * unexpected keys throw, naming them.
 */
export function loadWeights(file: string, model: Module): { masked: boolean } {
  const { tensors } = loadSafetensors(file);
  const state = new Map<string, { shape: number[]; data: ArrayLike<number> | BigInt64Array }>();
  const masks = new Map<string, ArrayLike<number>>();
  for (const [name, t] of Object.entries(tensors)) {
    if (name.endsWith(MASK_SUFFIX)) masks.set(name.slice(0, -MASK_SUFFIX.length), t.data as ArrayLike<number>);
    else state.set(name, { shape: t.shape, data: t.data });
  }
  model.loadStateDict(state);
  if (masks.size === 0) return { masked: false };
  const arena = model.arena;
  const prunable = new Map((arena?.prunableParameters() ?? []).map((e) => [e.key, e]));
  for (const [key, m] of masks) {
    const e = prunable.get(key);
    if (e) {
      if (m.length !== e.length) throw new RangeError(`loadWeights: ${file}: mask of '${key}' has ${m.length} values, the weight ${e.length}`);
      for (let i = 0; i < m.length; i++) {
        const v = Number(m[i]);
        if (v !== 0 && v !== 1) throw new RangeError(`loadWeights: ${file}: mask of '${key}' holds ${v} at ${i} (masks are 0 or 1)`);
        arena!.masks[e.offset + i] = v;
      }
    } else {
      for (let i = 0; i < m.length; i++) {
        if (Number(m[i]) !== 1) {
          throw new RangeError(`loadWeights: ${file}: '${key}' is not prunable here (only conv and linear weights are), but its mask prunes entry ${i}`);
        }
      }
    }
  }
  const anyPrunable = [...masks.keys()].some((k) => prunable.has(k));
  if (anyPrunable) arena!.activateMasks();
  return { masked: anyPrunable };
}
