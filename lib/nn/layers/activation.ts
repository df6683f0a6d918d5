import type { Tensor } from '../../tensor';
import { relu } from '../../ops';
import { Module } from '../module';

/** max(x, 0), elementwise (PyTorch `nn.ReLU`). */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return relu(x);
  }
}
