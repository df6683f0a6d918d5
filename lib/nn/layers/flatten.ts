import type { Tensor } from '../../tensor';
import { Module } from '../module';

/** Flattens dimensions startDim..endDim into one (PyTorch `nn.Flatten`, default from 1: keeps the batch). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}
