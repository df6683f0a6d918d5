import { checkDataset, Dataset, imageSize } from './dataset';
import { DataStream, permutation } from './random-stream';

/** A new dataset holding copies of the images at `indices`, in that order (repeats allowed). */
export function subset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const size = imageSize(ds);
  const n = ds.labels.length;
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new RangeError(`subset: index ${i} (position ${k}) is outside [0, ${n})`);
    images.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = ds.labels[i];
  }
  return checkDataset({ ...ds, images, labels, classNames: ds.classNames?.slice() });
}

function countArg(fn: string, ds: Dataset, k: number): void {
  if (!Number.isSafeInteger(k) || k < 0) throw new RangeError(`${fn}: count must be a non-negative integer, got ${k}`);
  if (k > ds.labels.length) throw new RangeError(`${fn}: asked for ${k} images but "${ds.name}" has ${ds.labels.length}`);
}

/** The first `k` images, in dataset order. */
export function firstK(ds: Dataset, k: number): Dataset {
  countArg('firstK', ds, k);
  return subset(ds, Int32Array.from({ length: k }, (_, i) => i));
}

/** `k` images drawn without replacement by a seeded permutation (the reference's randperm(n)[:k]). */
export function randomSubset(ds: Dataset, k: number, seed: number): Dataset {
  countArg('randomSubset', ds, k);
  return subset(ds, permutation(ds.labels.length, seed, DataStream.Subset).subarray(0, k));
}

/**
 * `perClass` images of every class: the first ones in dataset order, or, with a seed,
 * the first ones in a seeded permutation. The result is ordered by position in that order
 * (classes interleaved as they come). Throws naming a class that has too few images.
 */
export function classBalancedSubset(ds: Dataset, perClass: number, seed?: number): Dataset {
  if (!Number.isSafeInteger(perClass) || perClass < 1) throw new RangeError(`classBalancedSubset: perClass must be a positive integer, got ${perClass}`);
  const n = ds.labels.length;
  const order = seed === undefined ? Int32Array.from({ length: n }, (_, i) => i) : permutation(n, seed, DataStream.Subset);
  const taken = new Int32Array(ds.numClasses);
  const picked: number[] = [];
  for (let k = 0; k < n && picked.length < perClass * ds.numClasses; k++) {
    const i = order[k];
    const y = ds.labels[i];
    if (taken[y] < perClass) {
      taken[y]++;
      picked.push(i);
    }
  }
  const short = taken.findIndex((t) => t < perClass);
  if (short >= 0) {
    const name = ds.classNames?.[short] ? ` ("${ds.classNames[short]}")` : '';
    throw new RangeError(`classBalancedSubset: class ${short}${name} has only ${taken[short]} images in "${ds.name}", fewer than ${perClass}`);
  }
  return subset(ds, picked);
}

/** How {@link pruningSet} picks its images. */
export type PruningSetMode = 'balanced' | 'random' | 'first';

/**
 * The data a pruning method scores on: `samplesPerClass * numClasses` images (default
 * 10 per class). 'balanced' (default) takes exactly samplesPerClass of each class, as
 * SNIP/GraSP do; 'random' a seeded random subset of that size, as the SynFlow code does;
 * 'first' the first images in dataset order.
 */
export function pruningSet(ds: Dataset, opts: { samplesPerClass?: number; mode?: PruningSetMode; seed?: number } = {}): Dataset {
  const per = opts.samplesPerClass ?? 10;
  const k = per * ds.numClasses;
  switch (opts.mode ?? 'balanced') {
    case 'balanced':
      return classBalancedSubset(ds, per, opts.seed ?? 0);
    case 'random':
      return randomSubset(ds, k, opts.seed ?? 0);
    case 'first':
      return firstK(ds, k);
    default:
      throw new RangeError(`pruningSet: mode must be 'balanced', 'random' or 'first', got ${String(opts.mode)}`);
  }
}
