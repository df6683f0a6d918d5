import type { Tensor } from '../../tensor';
import { Module } from '../module';
import { ReLU } from './activation';
import { BatchNorm1d, BatchNorm2d } from './batchnorm';
import { MaxPool2d } from './pooling';

/** Applies its children in order; their state-dict keys are their indices ("0.weight", ...), as in PyTorch. */
export class Sequential extends Module {
  private readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }

  /** Number of children. */
  get length(): number {
    return this.layers.length;
  }

  /** The i-th child. */
  at(i: number): Module {
    const m = this.layers[i];
    if (!m) throw new RangeError(`Sequential.at: index ${i} outside [0, ${this.layers.length})`);
    return m;
  }

  override forward(x: Tensor): Tensor {
    let y = x;
    const layers = this.layers;
    for (let i = 0; i < layers.length; i++) {
      const m = layers[i];
      const next = layers[i + 1];
      // Batch norm, ReLU [and a 2x2 max pool], or a block ending in batch norm + ReLU and a
      // 2x2 max pool, run as one fused op (same result, fewer passes over memory).
      if (next !== undefined && fusesWithRelu(m) && isPlainRelu(next)) {
        if (m instanceof BatchNorm2d && isPlainMaxPool2x2(layers[i + 2])) {
          y = m.forwardReluMaxPool2d(y);
          i += 2;
        } else {
          y = m.forwardRelu(y);
          i++;
        }
      } else if (next !== undefined && fusesWithMaxPool(m) && isPlainMaxPool2x2(next)) {
        y = m.forwardMaxPool2d(y);
        i++;
      } else y = m.forward(y);
    }
    return y;
  }
}

/**
 * A module that can fuse the 2x2 / stride-2 max pool following it: forwardMaxPool2d(x)
 * must equal maxPool2d(forward(x), { kernelSize: 2 }) (e.g. VGG's conv + BN + ReLU block).
 */
export interface MaxPoolFusable {
  forwardMaxPool2d(x: Tensor): Tensor;
}

function fusesWithMaxPool(m: Module): m is Module & MaxPoolFusable {
  return typeof (m as Partial<MaxPoolFusable>).forwardMaxPool2d === 'function' && !Object.hasOwn(m, 'forward');
}

/** A stock MaxPool2d with 2x2 windows, stride 2 and no padding. */
function isPlainMaxPool2x2(m: Module | undefined): boolean {
  if (!(m instanceof MaxPool2d) || m.forward !== MaxPool2d.prototype.forward) return false;
  const two = (p: unknown) => p === 2 || (Array.isArray(p) && p[0] === 2 && p[1] === 2);
  const zero = (p: unknown) => p === undefined || p === 0 || (Array.isArray(p) && p[0] === 0 && p[1] === 0);
  return two(m.kernelSize) && (m.opts.stride === undefined || two(m.opts.stride)) && zero(m.opts.padding);
}

/** A batch norm with the stock forward (not overridden or patched), so forwardRelu matches it. */
function fusesWithRelu(m: Module): m is BatchNorm1d | BatchNorm2d {
  return (m instanceof BatchNorm2d || m instanceof BatchNorm1d) && m.forward === BatchNorm2d.prototype.forward;
}

/** A ReLU with the stock forward. */
function isPlainRelu(m: Module): boolean {
  return m instanceof ReLU && m.forward === ReLU.prototype.forward;
}

/** Returns its input unchanged (PyTorch `nn.Identity`). */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}
