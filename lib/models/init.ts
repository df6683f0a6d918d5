import { Module } from '../nn/module';
import { Linear } from '../nn/layers/linear';
import { Conv2d } from '../nn/layers/conv2d';
import { BatchNorm1d, BatchNorm2d } from '../nn/layers/batchnorm';
import { kaimingNormal_ } from '../nn/init';

/**
 * The reference models' `_initialize_weights`: Kaiming-normal (fan-in, ReLU gain) conv and
 * linear weights, zero biases, batch-norm weight 1 and bias 0; other parameters (the
 * ResNet's identity scales) keep their values. Weights draw consecutive stretches of one
 * Philox stream of `seed`, in state-dict order, so the result depends only on the seed.
 */
export function initializeReference(model: Module, seed: number): void {
  let offset = 0;
  for (const m of model.modules()) {
    if (m instanceof Linear || m instanceof Conv2d) {
      kaimingNormal_(m.weight, seed, offset);
      offset += m.weight.size;
      m.bias?.fill_(0);
    } else if (m instanceof BatchNorm1d || m instanceof BatchNorm2d) {
      m.weight.fill_(1);
      m.bias.fill_(0);
    }
  }
  // The writes went where the parameters live: on a device, the arena's host copy takes them.
  model.arena?.syncFromDevice();
}
