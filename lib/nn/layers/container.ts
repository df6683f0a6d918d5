import type { Tensor } from '../../tensor';
import { Module } from '../module';
import { ReLU } from './activation';
import { BatchNorm1d, BatchNorm2d } from './batchnorm';

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
      // A batch norm followed by a ReLU runs as one fused op (same result, fewer passes).
      if (i + 1 < layers.length && fusesWithRelu(m) && isPlainRelu(layers[i + 1])) {
        y = m.forwardRelu(y);
        i++;
      } else y = m.forward(y);
    }
    return y;
  }
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
