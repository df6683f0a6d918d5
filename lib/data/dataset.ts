/** Per-channel normalization x' = (x - mean[c]) / std[c], applied to pixels in [0, 1]. */
export interface Normalization {
  mean: readonly number[];
  std: readonly number[];
}

/**
 * An image classification dataset held in memory as plain typed arrays.
 * `images` is N*C*H*W row-major (NCHW, as PyTorch), pixel values in [0, 1] before
 * normalization; `labels[i]` is the class of image i, in [0, numClasses).
 */
export interface Dataset {
  /** Registry name of the family this data came from (e.g. 'cifar10'); selects the standard constants. */
  name: string;
  images: Float32Array;
  labels: Int32Array;
  /** [C, H, W] of one image. */
  shape: [number, number, number];
  numClasses: number;
  classNames?: string[];
  /** The standard normalization constants of this dataset family, if it has any. */
  normalization?: Normalization;
}

/** The train and test splits of a dataset. */
export interface DatasetSplits {
  train: Dataset;
  test: Dataset;
}

/**
 * A dataset that cannot be found or read: the message names the file or directory,
 * the problem and the fix.
 */
export class DatasetError extends Error {
  constructor(
    /** The file or directory at fault, or '' when none is. */
    readonly file: string,
    problem: string,
    fix: string,
  ) {
    super(`${file ? `${file}: ` : ''}${problem}. Fix: ${fix}.`);
    this.name = 'DatasetError';
  }
}

/** Number of images in a dataset. */
export function datasetSize(ds: Dataset): number {
  return ds.labels.length;
}

/** Elements in one image, C*H*W. */
export function imageSize(ds: Pick<Dataset, 'shape'>): number {
  return ds.shape[0] * ds.shape[1] * ds.shape[2];
}

/**
 * Checks a dataset's internal consistency (array lengths, shape, label range) and
 * returns it; throws a RangeError naming the first problem. Readers call it on what they
 * build; user code should call it on datasets it assembles itself.
 */
export function checkDataset(ds: Dataset): Dataset {
  const where = `dataset "${ds.name}"`;
  if (!Array.isArray(ds.shape) || ds.shape.length !== 3 || !ds.shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`${where}: shape must be [C, H, W] of positive integers, got ${JSON.stringify(ds.shape)}`);
  }
  if (!(ds.images instanceof Float32Array)) throw new TypeError(`${where}: images must be a Float32Array`);
  if (!(ds.labels instanceof Int32Array)) throw new TypeError(`${where}: labels must be an Int32Array`);
  const n = ds.labels.length;
  if (ds.images.length !== n * imageSize(ds)) {
    throw new RangeError(`${where}: images has ${ds.images.length} values, but ${n} labels of shape [${ds.shape}] need ${n * imageSize(ds)}`);
  }
  if (!Number.isInteger(ds.numClasses) || ds.numClasses < 1) {
    throw new RangeError(`${where}: numClasses must be a positive integer, got ${ds.numClasses}`);
  }
  for (let i = 0; i < n; i++) {
    const y = ds.labels[i];
    if (y < 0 || y >= ds.numClasses) throw new RangeError(`${where}: label ${y} of image ${i} is outside [0, ${ds.numClasses})`);
  }
  if (ds.classNames && ds.classNames.length !== ds.numClasses) {
    throw new RangeError(`${where}: ${ds.classNames.length} class names for ${ds.numClasses} classes`);
  }
  if (ds.normalization) {
    const { mean, std } = ds.normalization;
    if (mean.length !== ds.shape[0] || std.length !== ds.shape[0] || std.some((s) => !(s > 0))) {
      throw new RangeError(`${where}: normalization needs ${ds.shape[0]} means and ${ds.shape[0]} positive stds`);
    }
  }
  return ds;
}
