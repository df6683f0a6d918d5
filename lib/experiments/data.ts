import type { Dataset, DatasetSplits } from '../data/dataset';
import { loadDataset } from '../data/registry';
import { evalLoader, trainLoader, type DataLoader } from '../data/loader';
import { pruningSet, randomSubset } from '../data/subset';
import type { DataChoice, DataInput } from './config';
import type { DataSpec } from './results';

/** A dataset ready for an experiment: both splits in memory and how to describe them. */
export interface LoadedData {
  splits: DatasetSplits;
  spec: DataSpec;
}

/** Test batches are only evaluated, so they can be larger than training batches. */
const EVAL_BATCH = 500;
/** Seed of the pruning-set draw, fixed so that every pruner of a grid scores the same samples. */
const PRUNING_SET_SEED = 0;

function isSplits(d: DataInput): d is DatasetSplits {
  return typeof d === 'object' && d !== null && 'train' in d && 'test' in d;
}

/**
 * Loads a dataset by name (DataChoice) or takes splits already in memory. Missing files
 * throw the data layer's DatasetError, which names the place looked in and the fix.
 */
export async function prepareData(input: DataInput): Promise<LoadedData> {
  if (isSplits(input)) {
    const { train, test } = input;
    return { splits: input, spec: { name: train.name, dir: null, trainSize: train.labels.length, testSize: test.labels.length } };
  }
  const choice: DataChoice = input;
  const synthetic =
    choice.name === 'synthetic'
      ? {
          shape: (choice.inputShape ?? [3, 32, 32]) as [number, number, number],
          numClasses: choice.numClasses ?? 10,
          ...(choice.size !== undefined ? { trainSize: choice.size, testSize: choice.size } : {}),
        }
      : undefined;
  const splits = await loadDataset(choice.name, { dataDir: choice.dir, download: choice.download, synthetic });
  return {
    splits,
    spec: { name: choice.name, dir: choice.dir ?? null, trainSize: splits.train.labels.length, testSize: splits.test.labels.length },
  };
}

/**
 * The pruning set of the reference: `samples` training images (default 10 x classes),
 * class-balanced when that divides evenly, else a seeded random subset; in dataset order,
 * normalized, in batches of `batchSize` (default 256).
 */
export function pruningLoader(train: Dataset, samples: number, batchSize: number): DataLoader {
  const n = Math.min(samples, train.labels.length);
  const set = n % train.numClasses === 0 && n >= train.numClasses
    ? pruningSet(train, { samplesPerClass: n / train.numClasses, seed: PRUNING_SET_SEED })
    : randomSubset(train, n, PRUNING_SET_SEED);
  return evalLoader(set, { batchSize });
}

/** Shuffled training batches (seeded per run); `augment`: the family's crop and flip (CIFAR's for others). */
export function trainingLoader(train: Dataset, batchSize: number, seed: number, augment: boolean): DataLoader {
  return trainLoader(train, { batchSize, seed, augment });
}

/** Test batches in dataset order. */
export function testLoader(test: Dataset): DataLoader {
  return evalLoader(test, { batchSize: EVAL_BATCH });
}
