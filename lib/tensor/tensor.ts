import type { Backend, Device, DType, HostArray, Storage } from '../backend/backend';
import { backendByName, hostBackend } from '../backend';
import type { GradNode } from '../autograd/node';
import { StorageRef } from './storage';
import { trackTensor, untrackTensor } from './memory';
import { checkShape, formatShape, sizeOf } from './shape';
import * as ops from '../ops/tensor-methods';

let nextId = 1;

/** @internal The id the next tensor will get (ids grow monotonically). */
export function peekTensorId(): number {
  return nextId;
}

/** Options of Tensor.fromStorage. */
export interface WrapOptions {
  requiresGrad?: boolean;
}

/**
 * An n-dimensional array of float32 (or float64 on the reference backend) with contiguous
 * row-major storage owned by a backend, and the autograd state of PyTorch: requiresGrad,
 * grad, and the tape entry (gradFn) of the op that produced it.
 */
export class Tensor {
  /** Unique, increasing id (creation order). */
  readonly id: number;
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** Element count. */
  readonly size: number;
  /** Whether gradients flow to this tensor (set on leaves with requiresGrad_()). */
  requiresGrad: boolean;
  /** Accumulated gradient of a leaf after backward(); same shape. */
  grad: Tensor | null = null;
  /** @internal Tape entry of the op that produced this tensor; null for leaves. */
  gradFn: GradNode | null = null;
  /** @internal Hooks run on this tensor's gradient before accumulation. */
  hooks: ((grad: Tensor) => Tensor | void)[] | null = null;
  /** @internal Marker tidy uses to find tensors in results. */
  readonly __isTensor = true;
  private ref: StorageRef | null;
  private kept = false;

  /** @internal Use the creation functions (zeros, fromArray, ...) or Tensor.fromStorage. */
  constructor(ref: StorageRef, shape: readonly number[], requiresGrad = false) {
    this.id = nextId++;
    this.ref = ref;
    this.shape = shape;
    this.dtype = ref.dtype;
    this.size = ref.size;
    this.requiresGrad = requiresGrad;
    trackTensor(this);
  }

  /**
   * Wraps a host array without copying (e.g. a parameter's window of the arena); writes
   * through data() and kernels are visible in the array. Lives on the current host backend.
   */
  static fromStorage(array: HostArray, shape: readonly number[], opts: WrapOptions = {}): Tensor {
    checkShape('Tensor.fromStorage', shape);
    if (sizeOf(shape) !== array.length) {
      throw new RangeError(`Tensor.fromStorage: shape ${formatShape(shape)} needs ${sizeOf(shape)} elements, the array has ${array.length}`);
    }
    let backend = hostBackend();
    if (array instanceof Float64Array && !backend.supports('float64')) backend = backendByName('reference');
    const dtype: DType = array instanceof Float32Array ? 'float32' : 'float64';
    const ref = new StorageRef(backend, backend.wrapHost!(array), array.length, dtype, false);
    return new Tensor(ref, shape.slice(), opts.requiresGrad ?? false);
  }

  /** The backend that owns the storage. */
  get backend(): Backend {
    return this.live('backend').backend;
  }
  /** Device of the storage. */
  get device(): Device {
    return this.live('device').backend.device;
  }
  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }
  /** True when no op produced this tensor (parameters, inputs, detached tensors). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** Whether dispose() has run. */
  get isDisposed(): boolean {
    return this.ref === null;
  }
  /** Whether keep() protects this tensor from tidy scopes. */
  get isKept(): boolean {
    return this.kept;
  }
  /** @internal Protects from tidy scopes (keep(), leaf gradients). */
  markKept(): void {
    this.kept = true;
  }
  /** @internal The backend handle of the storage, for kernels; throws if disposed. */
  storage(op: string): Storage {
    this.beforeRead();
    return this.live(op).data;
  }
  /** @internal The shared storage reference (views retain it). */
  storageRef(op: string): StorageRef {
    this.beforeRead();
    return this.live(op);
  }

  /**
   * Runs before the storage is handed out (to a kernel, a view or a host read): a tensor
   * whose values are written lazily (a compressed weight's dense view) brings them up to date.
   */
  protected beforeRead(): void {
    /* values are always current */
  }

  private live(op: string): StorageRef {
    const r = this.ref;
    if (r === null) {
      throw new Error(
        `${op}: tensor ${formatShape(this.shape)} (id ${this.id}) was disposed (by dispose() or at the end of a tidy scope). ` +
          `Fix: keep() it, return it from the tidy function, or use it before disposing.`,
      );
    }
    return r;
  }

  /** The storage as a typed array: zero-copy on cpu (writes are visible), a host copy on cuda. */
  data(): HostArray {
    this.beforeRead();
    const r = this.live('data');
    return r.backend.read(r.data, r.dtype);
  }
  /** A flat copy of the values. */
  toArray(): number[] {
    return Array.from(this.data());
  }
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new RangeError(`item: tensor ${formatShape(this.shape)} has ${this.size} elements, needs exactly 1`);
    return this.data()[0];
  }

  /** Frees the storage (when no view shares it) and this tensor's gradient. Idempotent. */
  dispose(): void {
    const r = this.ref;
    if (r === null) return;
    this.ref = null;
    // gradFn stays: a later backward through this tensor must reach its tape entry and
    // report the disposed saved tensors instead of treating this tensor as a leaf.
    untrackTensor();
    r.release();
    if (this.grad !== null) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /** Marks a leaf as needing gradients. */
  requiresGrad_(flag = true): this {
    if (!this.isLeaf && !flag) {
      throw new Error(`requiresGrad_: cannot turn off gradients of a non-leaf tensor ${formatShape(this.shape)}. Fix: use detach().`);
    }
    this.requiresGrad = flag;
    return this;
  }

  /**
   * Registers fn to run on this tensor's gradient when it is computed, before it is
   * accumulated; returning a tensor replaces the gradient (e.g. zeroing masked weights).
   * Returns a function that removes the hook.
   */
  registerHook(fn: (grad: Tensor) => Tensor | void): () => void {
    (this.hooks ??= []).push(fn);
    return () => {
      if (this.hooks) this.hooks = this.hooks.filter((h) => h !== fn);
    };
  }

  /** Backpropagates from this tensor, accumulating into the .grad of leaves that require it. */
  backward(gradOutput?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    ops.backward(this, gradOutput, opts);
  }

  /** A tensor sharing this storage, cut from the tape. */
  detach(): Tensor {
    this.beforeRead();
    return new Tensor(this.live('detach').retain(), this.shape);
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}, ${this.ref ? this.ref.backend.name : 'disposed'})`;
  }

  // ---- views and copies ----
  /** Same storage, new shape (one dimension may be -1). */
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return ops.reshape(this, flatArgs(shape));
  }
  /** Alias of reshape. */
  view(...shape: number[] | [readonly number[]]): Tensor {
    return ops.reshape(this, flatArgs(shape));
  }
  /** Merges dimensions start..end (inclusive) into one. */
  flatten(start = 0, end = -1): Tensor {
    return ops.flatten(this, start, end);
  }
  /** Swaps two dimensions (copies). */
  transpose(d0: number, d1: number): Tensor {
    return ops.transpose(this, d0, d1);
  }
  /** Reorders dimensions (copies). */
  permute(...dims: number[]): Tensor {
    return ops.permute(this, dims);
  }
  /** Rows [start, end) along dimension 0 (shares storage where the backend can). */
  slice(start: number, end?: number): Tensor {
    return ops.slice(this, start, end);
  }
  /** A copy that stays on the tape. */
  clone(): Tensor {
    return ops.clone(this);
  }
  /** The tensor on another device (itself when already there). */
  to(device: Device): Tensor {
    return ops.toDevice(this, device);
  }
  /** The tensor on the cpu. */
  cpu(): Tensor {
    return ops.toDevice(this, 'cpu');
  }

  // ---- in-place helpers for optimizers and masks (no autograd) ----
  /** Copies src's values into this tensor (same size). */
  copy_(src: Tensor): this {
    ops.copyInPlace(this, src);
    return this;
  }
  /** Sets every element to v. */
  fill_(v: number): this {
    this.storageRef('fill_').version++;
    this.backend.fill(this.storage('fill_'), v);
    return this;
  }
  /** Sets every element to 0. */
  zero_(): this {
    return this.fill_(0);
  }
  /** Multiplies elementwise by mask (same shape), in place. */
  mulInPlace_(mask: Tensor): this {
    ops.mulInPlace(this, mask);
    return this;
  }

  // ---- method sugar ----
  add(b: Tensor | number): Tensor {
    return ops.add(this, b);
  }
  sub(b: Tensor | number): Tensor {
    return ops.sub(this, b);
  }
  mul(b: Tensor | number): Tensor {
    return ops.mul(this, b);
  }
  div(b: Tensor | number): Tensor {
    return ops.div(this, b);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  matmul(b: Tensor): Tensor {
    return ops.matmul(this, b);
  }
  sum(axes?: number | number[], keepDims = false): Tensor {
    return ops.sum(this, axes, keepDims);
  }
  mean(axes?: number | number[], keepDims = false): Tensor {
    return ops.mean(this, axes, keepDims);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
}

function flatArgs(shape: number[] | [readonly number[]]): number[] {
  return shape.length === 1 && Array.isArray(shape[0]) ? (shape[0] as number[]).slice() : (shape as number[]);
}
