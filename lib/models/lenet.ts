import type { Tensor } from '../tensor';
import { maxPool2d, relu } from '../ops';
import { Module } from '../nn/module';
import { Conv2d } from '../nn/layers/conv2d';
import { Linear } from '../nn/layers/linear';

/** LeNet-300-100 (LeCun et al. 1998): in-300-100-classes with ReLU; keys `fc1`, `fc2`, `fc3`. */
export class LeNet300 extends Module {
  private readonly fc1: Linear;
  private readonly fc2: Linear;
  private readonly fc3: Linear;

  constructor(inputShape: readonly number[], numClasses: number) {
    super();
    const size = inputShape.reduce((a, b) => a * b, 1);
    this.fc1 = this.registerModule('fc1', new Linear(size, 300, { seed: null }));
    this.fc2 = this.registerModule('fc2', new Linear(300, 100, { seed: null }));
    this.fc3 = this.registerModule('fc3', new Linear(100, numClasses, { seed: null }));
  }

  override forward(x: Tensor): Tensor {
    const h = relu(this.fc1.forward(x.flatten(1)));
    return this.fc3.forward(relu(this.fc2.forward(h)));
  }
}

/**
 * LeNet-5, Caffe variant (as in the SNIP and lottery-ticket experiments): conv 20@5x5, max-pool 2,
 * conv 50@5x5, max-pool 2, fc 500, fc classes, ReLU after each conv and the first fc;
 * keys `conv1`, `conv2`, `fc1`, `fc2`.
 */
export class LeNet5 extends Module {
  private readonly conv1: Conv2d;
  private readonly conv2: Conv2d;
  private readonly fc1: Linear;
  private readonly fc2: Linear;

  constructor(inputShape: readonly number[], numClasses: number) {
    super();
    const [c, h, w] = inputShape;
    const side = (n: number): number => Math.floor((Math.floor((n - 4) / 2) - 4) / 2);
    if (side(h) < 1 || side(w) < 1) throw new RangeError(`lenet5: input ${h}x${w} is too small; use at least 16x16 (MNIST is 28x28)`);
    this.conv1 = this.registerModule('conv1', new Conv2d(c, 20, 5, { seed: null }));
    this.conv2 = this.registerModule('conv2', new Conv2d(20, 50, 5, { seed: null }));
    this.fc1 = this.registerModule('fc1', new Linear(50 * side(h) * side(w), 500, { seed: null }));
    this.fc2 = this.registerModule('fc2', new Linear(500, numClasses, { seed: null }));
  }

  override forward(x: Tensor): Tensor {
    let y = maxPool2d(relu(this.conv1.forward(x)), { kernelSize: 2 });
    y = maxPool2d(relu(this.conv2.forward(y)), { kernelSize: 2 });
    return this.fc2.forward(relu(this.fc1.forward(y.flatten(1))));
  }
}
