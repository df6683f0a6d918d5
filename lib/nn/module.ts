import { Tensor } from '../tensor';
import type { Device } from '../backend';
import { Parameter } from './parameter';
import type { ParameterArena } from './arena';

/** Tensors keyed by PyTorch state-dict path, e.g. `layers.0.conv.weight`. */
export type StateDict = Map<string, Tensor>;

/** Options of {@link Module.loadStateDict}. */
export interface LoadStateDictOptions {
  /** Throw on missing or unexpected keys (default true), as PyTorch's `strict`. */
  strict?: boolean;
}

/** What {@link Module.loadStateDict} did not match (empty lists when strict loading succeeds). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * Base class of layers and models, after `torch.nn.Module`: parameters, buffers and child
 * modules registered by name, so that their dotted paths are the PyTorch state-dict keys.
 * Iteration order is registration order, own entries before children's, as in PyTorch.
 */
export abstract class Module {
  /** Training mode (batch statistics, dropout active) versus evaluation mode. */
  training = true;
  /** The parameter arena once attached (models from `createModel` always have one). */
  arena: ParameterArena | null = null;
  private readonly parameterSlots = new Map<string, Parameter | null>();
  private readonly bufferSlots = new Map<string, Tensor | null>();
  private readonly moduleSlots = new Map<string, Module>();

  /** The computation; `x` is a batch (NCHW for images, [n, features] for vectors). */
  abstract forward(x: Tensor): Tensor;

  /** Registers (or replaces) a parameter; `null` declares an absent one (e.g. no bias). */
  protected registerParameter(name: string, p: Parameter | null): void {
    checkName('registerParameter', name);
    this.parameterSlots.set(name, p);
  }

  /** Registers (or replaces) a persistent buffer, saved in the state dict (e.g. running statistics). */
  protected registerBuffer(name: string, t: Tensor | null): void {
    checkName('registerBuffer', name);
    this.bufferSlots.set(name, t);
  }

  /** Registers a child module under `name` (its parameters get the prefix `name.`). */
  protected registerModule<M extends Module>(name: string, m: M): M {
    checkName('registerModule', name);
    this.moduleSlots.set(name, m);
    return m;
  }

  /** This module's own parameter `name` (not a child's), or null when absent. */
  getParameter(name: string): Parameter | null {
    return this.parameterSlots.get(name) ?? null;
  }

  /** This module's own buffer `name`, or null when absent. */
  getBuffer(name: string): Tensor | null {
    return this.bufferSlots.get(name) ?? null;
  }

  /**
   * Replaces an existing own parameter by another of the same shape (the parameter arena
   * swaps in views this way). Throws if there is no such parameter or the shape differs.
   */
  replaceParameter(name: string, p: Parameter): void {
    const old = this.parameterSlots.get(name);
    if (!old) throw new RangeError(`replaceParameter: no parameter '${name}' on ${this.constructor.name}`);
    if (!sameShape(old.shape, p.shape)) {
      throw new RangeError(`replaceParameter: '${name}' has shape [${old.shape}], the replacement [${p.shape}]`);
    }
    this.parameterSlots.set(name, p);
  }

  /** Replaces an existing own buffer (same shape). */
  replaceBuffer(name: string, t: Tensor): void {
    const old = this.bufferSlots.get(name);
    if (!old) throw new RangeError(`replaceBuffer: no buffer '${name}' on ${this.constructor.name}`);
    if (!sameShape(old.shape, t.shape)) {
      throw new RangeError(`replaceBuffer: '${name}' has shape [${old.shape}], the replacement [${t.shape}]`);
    }
    this.bufferSlots.set(name, t);
  }

  /** Direct children with their names, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.moduleSlots.entries()];
  }

  /** Direct children in registration order. */
  children(): Module[] {
    return [...this.moduleSlots.values()];
  }

  /** This module and all descendants, pre-order, with dotted paths ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this.moduleSlots) out.push(...m.namedModules(join(prefix, name)));
    return out;
  }

  /** This module and all descendants, pre-order. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter with its dotted path (PyTorch `named_parameters`). */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [name, p] of m.parameterSlots) if (p) out.push([join(path, name), p]);
    }
    return out;
  }

  /** Every parameter, in `namedParameters` order. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer with its dotted path (PyTorch `named_buffers`). */
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [name, b] of m.bufferSlots) if (b) out.push([join(path, name), b]);
    }
    return out;
  }

  /** Every buffer, in `namedBuffers` order. */
  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Number of parameter elements (weights and biases; buffers excluded). */
  numParameters(): number {
    let n = 0;
    for (const p of this.parameters()) n += p.size;
    return n;
  }

  /** Number of prunable parameter elements (conv and linear weights). */
  numPrunable(): number {
    let n = 0;
    for (const p of this.parameters()) if (p.prunable) n += p.size;
    return n;
  }

  /** Sets training mode on this module and all descendants; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Sets evaluation mode (running statistics, no dropout); returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Calls `fn` on every descendant and then on this module (PyTorch order); returns this. */
  apply(fn: (m: Module) => void): this {
    for (const m of this.moduleSlots.values()) m.apply(fn);
    fn(this);
    return this;
  }

  /** Device of the parameters ('cpu' for a module without any). */
  device(): Device {
    for (const p of this.parameters()) return p.device;
    for (const b of this.buffers()) return b.device;
    return 'cpu';
  }

  /**
   * Moves parameters and buffers to `device` in place and returns this. A model with an arena
   * moves it as one buffer (parameters become windows of it); optimizers keep working on the
   * arena's host copy and push it to the device after each step.
   */
  to(device: Device): this {
    if (device !== 'cpu' && device !== 'cuda') throw new RangeError(`Module.to: unknown device '${String(device)}'. Fix: use 'cpu' or 'cuda'.`);
    if (this.arena) this.arena.moveTo(device);
    for (const m of this.modules()) {
      if (!this.arena) {
        for (const [name, p] of m.parameterSlots) if (p && p.device !== device) m.parameterSlots.set(name, moveParameter(p, device));
      }
      for (const [name, b] of m.bufferSlots) {
        if (!b || b.device === device) continue;
        m.bufferSlots.set(name, b.to(device));
        b.dispose();
      }
    }
    return this;
  }

  /** Drops (and disposes) every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /**
   * The state dict: parameters then buffers of each module, pre-order, keyed by PyTorch
   * path. The tensors are the live ones (no copies); clone them to keep a snapshot.
   */
  stateDict(prefix = ''): StateDict {
    const out: StateDict = new Map();
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [name, p] of m.parameterSlots) if (p) out.set(join(path, name), p);
      for (const [name, b] of m.bufferSlots) if (b) out.set(join(path, name), b);
    }
    return out;
  }

  /**
   * Copies values from `state` (a Map or a plain object of tensors or typed arrays keyed by
   * PyTorch path) into this module's parameters and buffers in place, so arena views stay
   * valid. Shapes must match; with `strict` (default) missing or unexpected keys throw.
   */
  loadStateDict(
    state: Map<string, StateValue> | Record<string, StateValue>,
    opts: LoadStateDictOptions = {},
  ): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const entries = state instanceof Map ? [...state.entries()] : Object.entries(state);
    const given = new Map(entries);
    const own = this.stateDict();
    const missingKeys = [...own.keys()].filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !own.has(k));
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      const parts: string[] = [];
      if (missingKeys.length) parts.push(`missing keys: ${preview(missingKeys)}`);
      if (unexpectedKeys.length) parts.push(`unexpected keys: ${preview(unexpectedKeys)}`);
      throw new RangeError(`loadStateDict: ${parts.join('; ')}. Fix: load a state dict of the same architecture, or pass { strict: false }`);
    }
    // Validate every shape before writing anything, so a failed load leaves the module untouched.
    const plan: [Tensor, ArrayLike<number>][] = [];
    for (const [key, target] of own) {
      const v = given.get(key);
      if (v === undefined) continue;
      const { shape, data } = stateValueParts(v);
      if (shape && !sameShape(shape, target.shape) && !(target.size === 1 && elementCount(shape) === 1)) {
        throw new RangeError(`loadStateDict: '${key}' has shape [${target.shape}] here, [${shape}] in the state dict`);
      }
      if (data.length !== target.size) {
        throw new RangeError(`loadStateDict: '${key}' needs ${target.size} values, the state dict has ${data.length}`);
      }
      plan.push([target, data]);
    }
    for (const [target, data] of plan) writeInto(target, data);
    // Parameters on a device were written there; the arena's host copy must follow.
    this.arena?.syncFromDevice();
    this.arena?.refreshCompressed();
    for (const m of this.modules()) m.afterLoadStateDict();
    return { missingKeys, unexpectedKeys };
  }

  /** Hook for modules that mirror a loaded buffer in a JS field (batch norm's batch count). */
  protected afterLoadStateDict(): void {}
}

/** A state-dict value: a tensor, or raw data with an optional shape (e.g. from a safetensors file). */
export type StateValue =
  | Tensor
  | Float32Array
  | Float64Array
  | { shape?: readonly number[]; data: ArrayLike<number> | BigInt64Array };

function stateValueParts(v: StateValue): { shape: readonly number[] | null; data: ArrayLike<number> } {
  if (v instanceof Float32Array || v instanceof Float64Array) return { shape: null, data: v };
  if ('data' in v && typeof v.data !== 'function') {
    const d = v.data;
    return { shape: v.shape ?? null, data: d instanceof BigInt64Array ? Array.from(d, Number) : d };
  }
  const t = v as Tensor;
  return { shape: t.shape, data: t.data() };
}

function writeInto(target: Tensor, data: ArrayLike<number>): void {
  if (target.device === 'cpu') {
    target.data().set(data);
    return;
  }
  // data() of a device tensor is a host copy: stage the values on the host, then copy over.
  const host = target.dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data);
  const staged = Tensor.fromStorage(host, target.shape);
  target.copy_(staged);
  staged.dispose();
}

function moveParameter(p: Parameter, device: Device): Parameter {
  const moved = p.detach().to(device);
  const q = new Parameter(moved.storageRef('Module.to').retain(), p.shape, true);
  moved.dispose();
  q.prunable = p.prunable;
  if (p.mask) q.mask = p.mask.to(device);
  return q;
}

function checkName(fn: string, name: string): void {
  if (!name || name.includes('.')) throw new RangeError(`${fn}: name must be non-empty and contain no '.', got '${name}'`);
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

/** Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function preview(keys: string[]): string {
  return keys.length > 8 ? `${keys.slice(0, 8).join(', ')} and ${keys.length - 8} more` : keys.join(', ');
}
