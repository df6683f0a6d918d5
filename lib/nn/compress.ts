/**
 * Compressed execution of a pruned model: each Conv2d and Linear whose weight is masked runs
 * either dense-masked (the mask fused into the dense kernels) or compressed (only its
 * survivors: SpMM, transposed SpMM and a sampled weight gradient, nnz optimizer state).
 * 'auto' picks per layer by comparing its density with the crossover measured for its shape
 * on this machine (lib/backend/sparse/crossover.ts, cached).
 */
import { noGrad } from '../autograd';
import { crossoverDensity, resolveSparseMode, type SparseMode } from '../backend/sparse/crossover';
import type { SparseLayerShape } from '../backend/sparse/calibrate';
import { pair } from '../ops/conv-geometry';
import type { Device } from '../backend';
import { Tensor, tidy } from '../tensor';
import type { Module } from './module';
import type { Parameter } from './parameter';
import { traceLayerInputs, type LayerInput } from './masked';
import { keptFraction } from './mask-passes';

/** The sparse modes, for option parsers. */
export const SPARSE_MODES: readonly SparseMode[] = ['auto', 'dense', 'compressed'];

/** Options of {@link compressModel}. */
export interface CompressOptions {
  /** 'auto' (default): compressed below the measured crossover; or force one mode for every layer. */
  sparse?: SparseMode;
  /** Input shape without the batch, e.g. [3, 32, 32]; default: the model's spec (createModel). */
  inputShape?: readonly number[];
  /** Measure missing crossovers now (default true); false uses the cache or the default density. */
  calibrate?: boolean;
}

/** How one masked layer executes. */
export interface LayerExecution {
  /** State-dict key of the weight. */
  key: string;
  kind: 'conv2d' | 'linear';
  /** Fraction of the weight kept, in [0, 1]. */
  density: number;
  mode: 'dense' | 'compressed';
  /** The crossover density compared with ('auto' only), else null. */
  crossover: number | null;
}

function checkMode(mode: SparseMode): void {
  if (!SPARSE_MODES.includes(mode)) throw new RangeError(`compressModel: sparse must be one of ${SPARSE_MODES.join(', ')}, got '${String(mode)}'`);
}

/**
 * The weights of masked layers with the input shape each sees: one batch-1 forward pass in
 * eval mode without gradients (training flags restored afterwards).
 */
function traceLayers(model: Module, inputShape: readonly number[], device: Device): Map<Parameter, LayerInput> {
  const seen = new Map<Parameter, LayerInput>();
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  try {
    tidy(() =>
      noGrad(() =>
        traceLayerInputs(
          (l) => {
            if (!seen.has(l.weight)) seen.set(l.weight, l);
          },
          () => {
            // Nothing returned: the scope frees the output with the rest.
            model.forward(Tensor.fromStorage(new Float32Array(inputShape.reduce((a, b) => a * b, 1)).fill(1), [1, ...inputShape]).to(device));
          },
        ),
      ),
    );
  } finally {
    for (const [m, t] of modes) m.training = t;
  }
  return seen;
}

function layerShape(l: LayerInput): SparseLayerShape {
  const [o, , kh, kw] = l.weight.shape;
  if (l.kind === 'linear') return { kind: 'linear', inFeatures: l.weight.shape[1], outFeatures: l.weight.shape[0] };
  const [, c, h, w] = l.x;
  const groups = l.opts.groups ?? 1;
  return {
    kind: 'conv2d',
    c,
    h,
    w,
    o,
    kh,
    kw,
    stride: pair('compressModel', 'stride', l.opts.stride, 1, 1),
    padding: pair('compressModel', 'padding', l.opts.padding, 0, 0),
    dilation: pair('compressModel', 'dilation', l.opts.dilation, 1, 1),
    groups,
  };
}

/**
 * Chooses each masked layer's execution and compresses the chosen ones (the model must be
 * pruned; on cuda the crossovers are the GPU's). Build the optimizer afterwards. Returns the
 * choice per layer.
 * @example const layers = compressModel(model, { sparse: 'auto' }); // then train
 */
export function compressModel(model: Module, opts: CompressOptions = {}): LayerExecution[] {
  const mode = opts.sparse ?? 'auto';
  checkMode(mode);
  const arena = model.arena;
  if (!arena) throw new Error('compressModel: the model has no parameter arena. Fix: build it with createModel(), or call ParameterArena.attach(model) first');
  if (arena.compressed.length) throw new Error('compressModel: the model is already compressed. Fix: call decompressModel(model) first');
  if (!arena.masksActive || mode === 'dense') return layerExecutions(model);
  const inputShape = opts.inputShape ?? (model as { spec?: { inputShape?: readonly number[] } }).spec?.inputShape;
  if (!inputShape) throw new RangeError('compressModel: the input shape is unknown. Fix: pass { inputShape: [c, h, w] } (models from createModel know it)');
  const device = arena.device;
  const traced = traceLayers(model, inputShape, device);
  const chosen = new Set<string>();
  const crossovers = new Map<string, number>();
  for (const e of arena.prunableParameters()) {
    const l = traced.get(e.param);
    if (!l) continue;
    const density = keptFraction(arena.masks.subarray(e.offset, e.offset + e.length));
    const shape = layerShape(l);
    if (mode === 'auto') crossovers.set(e.key, crossoverDensity(shape, { calibrate: opts.calibrate, device }));
    if (resolveSparseMode(mode, density, shape, { calibrate: opts.calibrate, device }) === 'compressed') chosen.add(e.key);
  }
  arena.compress(chosen);
  return layerExecutions(model, traced, crossovers);
}

/** Ends compressed execution: every layer computes dense-masked again, with the trained values. */
export function decompressModel(model: Module): void {
  model.arena?.decompress();
}

/** How each masked layer of `model` executes now (prunable weights of layers, arena order). */
export function layerExecutions(model: Module, traced?: Map<Parameter, LayerInput>, crossovers?: Map<string, number>): LayerExecution[] {
  const arena = model.arena;
  if (!arena) return [];
  return arena.prunableParameters()
    .filter((e) => !traced || traced.has(e.param))
    .map((e) => ({
      key: e.key,
      kind: traced?.get(e.param)?.kind ?? (e.param.ndim === 4 ? 'conv2d' : 'linear'),
      density: arena.masksActive ? keptFraction(arena.masks.subarray(e.offset, e.offset + e.length)) : 1,
      mode: e.param.compressed ? 'compressed' : 'dense',
      crossover: crossovers?.get(e.key) ?? null,
    }));
}
