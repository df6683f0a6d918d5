import { createModel } from '../../lib/models';
import { makeSynthetic, DataLoader } from '../../lib/data';
import type { ZooModel } from '../../lib/models/registry';

/** A small model of the zoo on tiny inputs, so every pruner runs in well under a second. */
export function smallModel(name: 'fc' | 'conv' | 'lenet5' | 'resnet20' | 'vgg11-bn', seed = 3): ZooModel {
  const shape = name === 'lenet5' ? [1, 28, 28] : name === 'fc' ? [1, 6, 6] : name === 'conv' ? [2, 6, 6] : [3, 8, 8];
  return createModel(name, { inputShape: shape, numClasses: 4, seed });
}

/** A labelled pruning set matching the model's input (synthetic, seeded). */
export function pruningData(model: ZooModel, samples = 40, batchSize = 16): DataLoader {
  const { train } = makeSynthetic({ shape: model.spec.inputShape, numClasses: model.spec.numClasses, trainSize: samples, testSize: 4, seed: 11 });
  return new DataLoader(train, { batchSize, shuffle: false, reuseBuffers: false });
}
