import { loadSafetensors, saveSafetensors, type SafetensorsInput } from '../io/safetensors';
import { MASK_SUFFIX } from '../nn/weights-file';
import type { ArenaModel } from '../prune/pruner';

// Aliased once: a global lookup inside a hot loop is slow where code runs in a vm context (jest).
const toNumber = Number;

/** The `format` metadata of a masks file written here. */
export const MASKS_FORMAT = 'prune-at-init/masks';

/**
 * The current masks of the prunable weights as 0/1 Float32Arrays keyed by PyTorch parameter
 * name (e.g. `conv1.weight`), copied out of the arena (so they stay valid after later pruning).
 */
export function masksByName(model: ArenaModel): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  const arena = model.arena;
  for (const e of arena.prunableParameters()) out[e.key] = arena.masks.slice(e.offset, e.offset + e.length);
  return out;
}

/**
 * Writes the masks of the prunable weights to a safetensors file (atomically), one F32 0/1
 * tensor per weight under its PyTorch parameter name and shape, so
 * `safetensors.torch.load_file(f)[name]` multiplies the weight of that name directly.
 */
export function saveMasks(file: string, model: ArenaModel, metadata: Record<string, string> = {}): void {
  const tensors: Record<string, SafetensorsInput> = {};
  const arena = model.arena;
  for (const e of arena.prunableParameters()) {
    tensors[e.key] = { dtype: 'F32', shape: [...e.param.shape], data: arena.masks.subarray(e.offset, e.offset + e.length) };
  }
  saveSafetensors(file, tensors, { format: MASKS_FORMAT, ...metadata });
}

/**
 * Sets the model's masks from arrays keyed by parameter name (`conv1.weight`, or SynFlow's
 * buffer name `conv1.weight_mask`), any numeric type, 0 or 1 (booleans included). A prunable
 * weight without an entry keeps its current mask; an unknown name, a wrong length or a
 * value other than 0 and 1 throws, naming it. The masks then take effect: pruned weights
 * become exactly 0. `source` names the origin in errors.
 */
export function applyMasks(model: ArenaModel, masks: Record<string, ArrayLike<number | bigint>>, source = 'masks'): void {
  const arena = model.arena;
  const entries = new Map(arena.prunableParameters().map((e) => [e.key, e]));
  const pending: [number, ArrayLike<number | bigint>][] = [];
  for (const [name, values] of Object.entries(masks)) {
    const key = name.endsWith(MASK_SUFFIX) && !entries.has(name) ? name.slice(0, -MASK_SUFFIX.length) : name;
    const e = entries.get(key);
    if (!e) {
      throw new RangeError(`${source}: '${name}' is not a prunable weight of ${modelName(model)}; prunable weights: ${[...entries.keys()].join(', ')}`);
    }
    if (values.length !== e.length) {
      throw new RangeError(`${source}: the mask of '${key}' has ${values.length} values, the weight [${e.param.shape.join(', ')}] has ${e.length}`);
    }
    for (let i = 0; i < values.length; i++) {
      const v = toNumber(values[i]);
      if (v !== 0 && v !== 1) throw new RangeError(`${source}: the mask of '${key}' holds ${v} at index ${i}; masks hold 0 (pruned) or 1 (kept)`);
    }
    pending.push([e.offset, values]);
  }
  // Validated in full before any write, so a bad file leaves the model untouched.
  for (const [offset, values] of pending) {
    for (let i = 0; i < values.length; i++) arena.masks[offset + i] = toNumber(values[i]);
  }
  arena.activateMasks();
}

/**
 * Loads masks from a safetensors file keyed by PyTorch parameter names (written by
 * {@link saveMasks}, by PyTorch's `safetensors.torch.save_file`, or by SynFlow with
 * `_mask` suffixes) into the model and applies them. Tensors of any numeric dtype whose
 * values are 0 or 1 are accepted; shapes must match the weights.
 */
export function loadMasks(file: string, model: ArenaModel): void {
  const { tensors } = loadSafetensors(file);
  const shapes = new Map(model.arena.prunableParameters().map((e) => [e.key, e.param.shape]));
  const masks: Record<string, ArrayLike<number | bigint>> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const key = name.endsWith(MASK_SUFFIX) && !shapes.has(name) ? name.slice(0, -MASK_SUFFIX.length) : name;
    const shape = shapes.get(key);
    if (shape && (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i]))) {
      throw new RangeError(`loadMasks: ${file}: '${name}' has shape [${t.shape.join(', ')}], the weight '${key}' [${shape.join(', ')}]`);
    }
    masks[name] = t.data as ArrayLike<number | bigint>;
  }
  applyMasks(model, masks, `loadMasks: ${file}`);
}

function modelName(model: ArenaModel): string {
  return (model as { spec?: { name: string } }).spec?.name ?? 'this model';
}
