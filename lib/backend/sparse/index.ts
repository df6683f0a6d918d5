/**
 * Sparse execution and selection on host arrays: exact top-k selection and saliency scores,
 * compressed (CSR) layers and their kernels, and the measured dense / compressed crossover.
 */
export { scoreKernel, selectTopK, selectTopKSegments, type ScoreKind } from './select';
export { selectTopKBySort, selectTopKLinear, scoreReference } from './select-reference';
export {
  compressValues,
  decompress,
  patternDensity,
  patternFromMask,
  patternMask,
  type FloatArray,
  type SparsePattern,
} from './pattern';
export { compressWeight, decompressWeight, type CompressedWeight } from './compressed';
export {
  sparseConv2dForward,
  sparseConv2dGradInput,
  sparseConv2dGradWeight,
  sparseLinearForward,
  sparseLinearGradInput,
  sparseLinearGradWeight,
} from './kernels';
export { calibrateLayer, layerShapeKey, type Calibration, type CrossoverPoint, type SparseLayerShape } from './calibrate';
export {
  clearCrossoverCache,
  crossoverCacheFile,
  crossoverDensity,
  DEFAULT_CROSSOVER_DENSITY,
  REFERENCE_SHAPES,
  resolveSparseMode,
  sparseCrossover,
  sparseCrossoverInfo,
  type CrossoverInfo,
  type CrossoverOptions,
  type SparseMode,
} from './crossover';
