import type { Tensor } from '../../tensor';
import { Module } from '../module';

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
    for (const m of this.layers) y = m.forward(y);
    return y;
  }
}

/** Returns its input unchanged (PyTorch `nn.Identity`). */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }
}
