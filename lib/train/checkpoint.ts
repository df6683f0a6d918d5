import * as fs from 'fs';
import type { Module } from '../nn/module';
import { loadSafetensors, saveSafetensors, type SafetensorsInput } from '../io/safetensors';
import { writeFileAtomicSync } from '../io/atomic-write';
import type { OptimizerConfig, OptimizerState } from './optimizer';
import type { LrSchedule } from './schedules';

/** Per-epoch metrics of a training run. */
export interface EpochRecord {
  /** 0-based epoch index. */
  epoch: number;
  lr: number;
  trainLoss: number;
  /** Training top-1 accuracy in [0, 1], measured on the fly (before each step's update). */
  trainTop1: number;
  testLoss?: number;
  /** Test top-1 accuracy in [0, 1]. */
  testTop1?: number;
  /** Test top-5 accuracy in [0, 1]. */
  testTop5?: number;
  /** Wall time of the epoch (training plus evaluation), in seconds. */
  seconds: number;
}

/** The JSON metadata of a checkpoint: everything besides the tensors that a resumed run needs. */
export interface CheckpointMeta {
  format: 'prune-at-init/checkpoint';
  version: 1;
  /** The zoo spec of the model, when it came from createModel. */
  model?: { name: string; inputShape: number[]; numClasses: number; seed: number };
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps completed. */
  globalStep: number;
  optimizer: OptimizerConfig;
  optimizerStep: number;
  schedule: LrSchedule;
  /** Whether the masks were active (the model was pruned). */
  masked: boolean;
  history: EpochRecord[];
  /** Free-form data of the caller (e.g. the pruning settings). */
  extra?: Record<string, unknown>;
}

/** What {@link loadCheckpoint} returns. */
export interface Checkpoint {
  meta: CheckpointMeta;
  optimizerState: OptimizerState;
}

const MODEL = 'model.';
const MASK = 'mask.';
const OPTIM = 'optimizer.';

/**
 * Writes a checkpoint atomically: `file` (safetensors) holds the state dict under `model.<key>`,
 * the masks of prunable weights under `mask.<key>` (when active), and the optimizer's
 * arena-layout buffers under `optimizer.<name>`; its `__metadata__` holds `meta` as JSON. A
 * copy of the metadata goes to `file + '.json'` for people and tools.
 */
export function saveCheckpoint(file: string, model: Module, meta: CheckpointMeta, optimizerState: OptimizerState): void {
  const tensors: Record<string, SafetensorsInput> = {};
  for (const [key, t] of model.stateDict()) {
    tensors[MODEL + key] = { dtype: 'F32', shape: [...t.shape], data: toF32(t.data()) };
  }
  const arena = model.arena;
  if (arena && arena.masksActive) {
    for (const e of arena.prunableParameters()) {
      tensors[MASK + e.key] = { dtype: 'F32', shape: [...e.param.shape], data: arena.masks.subarray(e.offset, e.offset + e.length) };
    }
  }
  for (const [name, buf] of Object.entries(optimizerState.buffers)) {
    tensors[OPTIM + name] = { dtype: 'F32', shape: [buf.length], data: buf };
  }
  const json = JSON.stringify({ ...meta, optimizerStep: optimizerState.step });
  saveSafetensors(file, tensors, { 'prune-at-init': json });
  writeFileAtomicSync(`${file}.json`, Buffer.from(JSON.stringify(JSON.parse(json), null, 2) + '\n'));
}

/**
 * Reads a checkpoint written by {@link saveCheckpoint} into `model` (weights, buffers and
 * masks, in place) and returns its metadata and optimizer state, which the caller hands to
 * its optimizer. Throws naming the file if it is not such a checkpoint or does not fit the model.
 */
export function loadCheckpoint(file: string, model: Module): Checkpoint {
  if (!fs.existsSync(file)) throw new Error(`loadCheckpoint: ${file} does not exist. Fix: check the path of the checkpoint`);
  const { tensors, metadata } = loadSafetensors(file);
  const raw = metadata['prune-at-init'];
  if (!raw) throw new Error(`loadCheckpoint: ${file} is a safetensors file but not a prune-at-init checkpoint (no metadata). Fix: pass a file written by saveCheckpoint / train({ checkpoint })`);
  const meta = JSON.parse(raw) as CheckpointMeta;
  if (meta.format !== 'prune-at-init/checkpoint' || meta.version !== 1) {
    throw new Error(`loadCheckpoint: ${file} has format ${meta.format} version ${meta.version}; this library reads prune-at-init/checkpoint version 1`);
  }
  const state = new Map<string, { shape: number[]; data: Float32Array }>();
  const buffers: Record<string, Float32Array> = {};
  const masks = new Map<string, Float32Array>();
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'F32') throw new Error(`loadCheckpoint: ${file}: tensor '${name}' is ${t.dtype}, expected F32`);
    if (name.startsWith(MODEL)) state.set(name.slice(MODEL.length), { shape: t.shape, data: t.data });
    else if (name.startsWith(MASK)) masks.set(name.slice(MASK.length), t.data);
    else if (name.startsWith(OPTIM)) buffers[name.slice(OPTIM.length)] = t.data;
  }
  try {
    model.loadStateDict(state);
  } catch (e) {
    throw new Error(`loadCheckpoint: ${file} does not fit this model: ${(e as Error).message}`);
  }
  if (meta.masked) {
    const arena = model.arena;
    if (!arena) throw new Error(`loadCheckpoint: ${file} holds masks but the model has no parameter arena`);
    for (const e of arena.prunableParameters()) {
      const m = masks.get(e.key);
      if (!m || m.length !== e.length) throw new Error(`loadCheckpoint: ${file} has no mask of ${e.length} values for '${e.key}'`);
      arena.masks.set(m, e.offset);
    }
    arena.activateMasks();
  }
  return { meta, optimizerState: { step: meta.optimizerStep, buffers } };
}

function toF32(d: Float32Array | Float64Array): Float32Array {
  return d instanceof Float32Array ? d : Float32Array.from(d);
}
