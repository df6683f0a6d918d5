// Public surface of the data layer.
export type { Dataset, DatasetSplits, Normalization } from './dataset';
export { DatasetError, checkDataset, datasetSize, imageSize } from './dataset';
export type { Augmentation } from './standard-transforms';
export {
  MNIST_NORMALIZATION,
  FASHION_MNIST_NORMALIZATION,
  CIFAR10_NORMALIZATION,
  CIFAR100_NORMALIZATION,
  CIFAR_AUGMENTATION,
  standardAugmentation,
} from './standard-transforms';
export type { Batch, LoaderOptions } from './loader';
export { DataLoader, trainLoader, evalLoader } from './loader';
export type { PruningSetMode } from './subset';
export { subset, firstK, randomSubset, classBalancedSubset, pruningSet } from './subset';
export type { LoadDatasetOptions } from './registry';
export { loadDataset, datasetNames, describeDatasets, defaultDataDir, dataRoot } from './registry';
export { readEmbeddedMnist, EMBEDDED_MNIST_SIZE, EMBEDDED_MNIST_TRAIN, EMBEDDED_MNIST_SPLIT_SEED } from './mnist-embedded';
export type { IdxDatasetSpec } from './idx-dataset';
export { readIdxDataset, readIdxSplit, FASHION_MNIST_CLASSES } from './idx-dataset';
export type { IdxArray, IdxType } from './idx';
export { parseIdx, readIdxFile } from './idx';
export type { CifarVariant, CifarReadOptions } from './cifar';
export { readCifar, parseCifarRecords, CIFAR10, CIFAR100, CIFAR10_CLASSES } from './cifar';
export type { SyntheticOptions } from './synthetic';
export { makeSynthetic } from './synthetic';
export type { DownloadOptions, DownloadProgress, FetchLike } from './download';
export { downloadFile } from './download';
export type { TarEntry } from './tar';
export { readTar } from './tar';
export { permutation, DataStream } from './random-stream';
