import type { Backend, BackendName, Device, DType } from '../backend/backend';
import { backendByName, getBackend, hostBackend } from '../backend';
import { splitSeed } from '../backend/reference/philox';
import { Tensor } from './tensor';
import { StorageRef } from './storage';
import { checkShape, formatShape, sizeOf } from './shape';

/** Where and how a new tensor is created. */
export interface CreateOptions {
  /** Default float32; float64 runs on the reference kernels (for checks). */
  dtype?: DType;
  /** 'cpu' or 'cuda'; default: the current backend's device. */
  device?: Device;
  /** A backend by name or instance; overrides device. */
  backend?: BackendName | Backend;
  requiresGrad?: boolean;
}

/** Options of the random creators: a Philox stream (seed, offset). */
export interface RandomOptions extends CreateOptions {
  /** Key of the stream; default: the global seed of manualSeed(). */
  seed?: number | bigint;
  /** First counter of the stream; default 0 with an explicit seed, else the global position (which then advances). */
  offset?: number;
}

let globalSeed: number | bigint = 0;
let globalOffset = 0;

/** Sets the seed (and resets the position) used by rand/randn calls without a seed. */
export function manualSeed(seed: number | bigint): void {
  splitSeed(seed);
  globalSeed = seed;
  globalOffset = 0;
}

function resolve(op: string, opts: CreateOptions): { backend: Backend; dtype: DType } {
  let backend: Backend;
  if (opts.backend !== undefined) backend = typeof opts.backend === 'string' ? backendByName(opts.backend) : opts.backend;
  else if (opts.device === 'cuda') backend = backendByName('cuda');
  else if (opts.device === 'cpu') backend = hostBackend();
  else if (opts.device !== undefined) throw new RangeError(`${op}: unknown device '${String(opts.device)}'. Fix: use 'cpu' or 'cuda'.`);
  else backend = getBackend();
  const dtype = opts.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') throw new RangeError(`${op}: unknown dtype '${String(dtype)}'. Fix: use 'float32' or 'float64'.`);
  if (!backend.supports(dtype)) {
    throw new TypeError(`${op}: the ${backend.name} backend does not support ${dtype}. Fix: use float32, or backend: 'reference' for float64.`);
  }
  return { backend, dtype };
}

function make(backend: Backend, dtype: DType, shape: readonly number[], data: unknown, requiresGrad?: boolean): Tensor {
  return new Tensor(new StorageRef(backend, data, sizeOf(shape), dtype, true), shape.slice(), requiresGrad ?? false);
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  checkShape('zeros', shape);
  const { backend, dtype } = resolve('zeros', opts);
  return make(backend, dtype, shape, backend.zeros(sizeOf(shape), dtype), opts.requiresGrad);
}

/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number, opts: CreateOptions = {}): Tensor {
  checkShape('full', shape);
  const { backend, dtype } = resolve('full', opts);
  const data = backend.alloc(sizeOf(shape), dtype);
  backend.fill(data, value);
  return make(backend, dtype, shape, data, opts.requiresGrad);
}

/** A tensor of ones. */
export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** A tensor holding a copy of `data` (flat, row-major) with `shape` (default [data.length]). */
export function fromArray(data: ArrayLike<number>, shape?: readonly number[], opts: CreateOptions = {}): Tensor {
  const s = shape ?? [data.length];
  checkShape('fromArray', s);
  if (sizeOf(s) !== data.length) {
    throw new RangeError(`fromArray: ${data.length} values do not fill shape ${formatShape(s)} (${sizeOf(s)} elements)`);
  }
  const { backend, dtype } = resolve('fromArray', opts);
  return make(backend, dtype, s, backend.fromHost(data, dtype), opts.requiresGrad);
}

/** The 1-D sequence start, start + step, ... below end (arange(end) starts at 0). */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (!(step !== 0 && Number.isFinite(step))) throw new RangeError(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return fromArray(values, [n], opts);
}

function stream(op: string, size: number, opts: RandomOptions): { lo: number; hi: number; offset: number } {
  let seed = opts.seed;
  let offset = opts.offset ?? 0;
  if (seed === undefined) {
    seed = globalSeed;
    if (opts.offset === undefined) {
      offset = globalOffset;
      globalOffset += size;
    }
  }
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`${op}: offset must be a non-negative integer below 2^53, got ${offset}`);
  const [lo, hi] = splitSeed(seed);
  return { lo, hi, offset };
}

/** Uniform samples in (0, 1) from the Philox stream (seed, offset): identical on every backend. */
export function rand(shape: readonly number[], opts: RandomOptions = {}): Tensor {
  checkShape('rand', shape);
  const { backend, dtype } = resolve('rand', opts);
  const size = sizeOf(shape);
  const { lo, hi, offset } = stream('rand', size, opts);
  const data = backend.alloc(size, dtype);
  backend.philoxUniform(lo, hi, offset, data);
  return make(backend, dtype, shape, data, opts.requiresGrad);
}

/** Normal samples mean + std N(0, 1) from the Philox stream (seed, offset): identical on every backend. */
export function randn(shape: readonly number[], opts: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkShape('randn', shape);
  const { backend, dtype } = resolve('randn', opts);
  const size = sizeOf(shape);
  const { lo, hi, offset } = stream('randn', size, opts);
  const data = backend.alloc(size, dtype);
  backend.philoxNormal(lo, hi, offset, opts.mean ?? 0, opts.std ?? 1, data);
  return make(backend, dtype, shape, data, opts.requiresGrad);
}
