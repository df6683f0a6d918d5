export { Tensor } from './tensor';
export type { WrapOptions } from './tensor';
export { zeros, ones, full, fromArray, arange, rand, randn, manualSeed } from './create';
export type { CreateOptions, RandomOptions } from './create';
export { tidy, keep, memory } from './memory';
export { formatShape, sizeOf, broadcastShapes } from './shape';
