import { Module } from '../nn/module';
import { Conv2d } from '../nn/layers/conv2d';
import { Linear } from '../nn/layers/linear';
import { ReLU } from '../nn/layers/activation';
import { Flatten } from '../nn/layers/flatten';
import { Sequential } from '../nn/layers/container';

/**
 * The reference `fc` model: Flatten, Linear(in, 100) and four Linear(100, 100), each followed
 * by ReLU, then Linear(100, classes); a Sequential, so keys are `1.weight`, `3.weight`, ...
 */
export function fcModel(inputShape: readonly number[], numClasses: number, depth = 6, width = 100): Sequential {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const layers: Module[] = [new Flatten(), new Linear(size, width, { seed: null }), new ReLU()];
  for (let i = 0; i < depth - 2; i++) layers.push(new Linear(width, width, { seed: null }), new ReLU());
  layers.push(new Linear(width, numClasses, { seed: null }));
  return new Sequential(...layers);
}

/**
 * The reference `conv` model: Conv(c, 32, 3, padding 1)-ReLU-Conv(32, 32, 3, padding 1)-ReLU-
 * Flatten-Linear(32 H W, classes); keys `0.weight`, `2.weight`, `5.weight`.
 */
export function convModel(inputShape: readonly number[], numClasses: number, depth = 3, width = 32): Sequential {
  const [channels, h, w] = inputShape;
  const layers: Module[] = [new Conv2d(channels, width, 3, { padding: 1, seed: null }), new ReLU()];
  for (let i = 0; i < depth - 2; i++) layers.push(new Conv2d(width, width, 3, { padding: 1, seed: null }), new ReLU());
  layers.push(new Flatten(), new Linear(width * h * w, numClasses, { seed: null }));
  return new Sequential(...layers);
}
