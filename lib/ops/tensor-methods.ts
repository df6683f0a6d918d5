/** @internal The ops behind Tensor's methods, in one module to keep tensor.ts's imports short. */
export { add } from './add';
export { sub } from './sub';
export { mul } from './mul';
export { div } from './div';
export { neg } from './neg';
export { matmul } from './matmul';
export { sum } from './sum';
export { mean } from './mean';
export { relu } from './relu';
export { exp } from './exp';
export { log } from './log';
export { reshape, flatten } from './reshape';
export { permute, transpose } from './permute';
export { slice } from './narrow';
export { clone } from './clone';
export { toDevice } from './to-device';
export { copyInPlace, mulInPlace } from './in-place';
export { backward } from '../autograd/grad';
