import { ChannelAffine, CropFlip, cropFlipNormalize, drawCropFlip, normalizeCopy } from './augment';
import { checkDataset, Dataset, imageSize, Normalization } from './dataset';
import { DataStream, permutationFromKey, streamKey } from './random-stream';
import { Augmentation, CIFAR_AUGMENTATION, standardAugmentation } from './standard-transforms';

/** One mini-batch: images x [B, C, H, W] (normalized, augmented) and labels y [B]. */
export interface Batch {
  x: Float32Array;
  y: Int32Array;
  batchShape: [number, number, number, number];
  /** Dataset index of each sample. */
  indices: Int32Array;
}

/** Options of a {@link DataLoader}. */
export interface LoaderOptions {
  /** Samples per batch (positive integer). */
  batchSize: number;
  /** Reshuffle every epoch (default false: dataset order). */
  shuffle?: boolean;
  /** Seed of the shuffles and augmentation draws (default 0). */
  seed?: number;
  /** Drop the last batch when it has fewer than batchSize samples (default false: keep it). */
  dropLast?: boolean;
  /**
   * true (the default when the dataset has standard constants): normalize with
   * dataset.normalization; an explicit {mean, std}; or false to keep pixels in [0, 1].
   */
  normalize?: boolean | Normalization;
  /**
   * Random crop after zero padding, then horizontal flip. true: the standard augmentation
   * of the dataset family (CIFAR: padding 4 + flip); or explicit settings; default false.
   */
  augment?: boolean | Augmentation;
  /**
   * Reuse one set of batch buffers for the whole loader (default true): a batch's arrays
   * are overwritten when the next batch is produced, so copy what must outlive the step.
   */
  reuseBuffers?: boolean;
}

function affineFor(ds: Dataset, normalize: LoaderOptions['normalize']): ChannelAffine {
  const c = ds.shape[0];
  let norm: Normalization | undefined;
  if (normalize === undefined) norm = ds.normalization;
  else if (normalize === true) {
    norm = ds.normalization;
    if (!norm) throw new RangeError(`DataLoader: dataset "${ds.name}" has no standard normalization; pass normalize: { mean, std } or normalize: false`);
  } else if (normalize) norm = normalize;
  const scale = new Float64Array(c).fill(1);
  const shift = new Float64Array(c);
  if (!norm) return { scale, shift };
  if (norm.mean.length !== c || norm.std.length !== c) {
    throw new RangeError(`DataLoader: normalization has ${norm.mean.length} means and ${norm.std.length} stds, dataset "${ds.name}" has ${c} channels`);
  }
  for (let k = 0; k < c; k++) {
    if (!(norm.std[k] > 0)) throw new RangeError(`DataLoader: normalization std[${k}] must be positive, got ${norm.std[k]}`);
    scale[k] = 1 / norm.std[k];
    shift[k] = -norm.mean[k] / norm.std[k];
  }
  return { scale, shift };
}

function augmentationFor(ds: Dataset, augment: LoaderOptions['augment']): Augmentation | null {
  if (!augment) return null;
  const a = augment === true ? (standardAugmentation(ds.name) ?? CIFAR_AUGMENTATION) : augment;
  if (!Number.isSafeInteger(a.padding) || a.padding < 0) throw new RangeError(`DataLoader: augment.padding must be a non-negative integer, got ${a.padding}`);
  return a.padding === 0 && !a.horizontalFlip ? null : a;
}

/**
 * Seeded shuffling, batching, normalization and augmentation over an in-memory dataset.
 * The sample order and every augmentation draw of epoch e are pure functions of
 * (seed, e), so a run resumed at epoch e sees the same batches as an uninterrupted one.
 *
 * @example
 * const loader = new DataLoader(train, { batchSize: 128, shuffle: true, augment: true, seed: 1 });
 * for (let e = 0; e < epochs; e++) for (const { x, y, batchShape } of loader.epoch(e)) step(x, y, batchShape);
 */
export class DataLoader implements Iterable<Batch> {
  readonly dataset: Dataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly augmentation: Augmentation | null;
  private readonly affine: ChannelAffine;
  private readonly reuse: boolean;
  private buffers: { x: Float32Array; y: Int32Array; indices: Int32Array } | null = null;
  private nextEpoch = 0;

  constructor(dataset: Dataset, opts: LoaderOptions) {
    this.dataset = checkDataset(dataset);
    if (!Number.isSafeInteger(opts.batchSize) || opts.batchSize < 1) {
      throw new RangeError(`DataLoader: batchSize must be a positive integer, got ${opts.batchSize}`);
    }
    this.batchSize = opts.batchSize;
    this.shuffle = opts.shuffle ?? false;
    this.seed = opts.seed ?? 0;
    this.dropLast = opts.dropLast ?? false;
    this.affine = affineFor(dataset, opts.normalize);
    this.augmentation = augmentationFor(dataset, opts.augment);
    this.reuse = opts.reuseBuffers ?? true;
  }

  /** Samples per epoch (all of them, or fewer with dropLast). */
  get numSamples(): number {
    const n = this.dataset.labels.length;
    return this.dropLast ? n - (n % this.batchSize) : n;
  }

  /** Batches per epoch. */
  get numBatches(): number {
    const n = this.dataset.labels.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Dataset indices in the order epoch `epoch` visits them. */
  order(epoch: number): Int32Array {
    const n = this.dataset.labels.length;
    if (!this.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    return permutationFromKey(n, streamKey(this.seed, DataStream.Shuffle, epoch));
  }

  /** The batches of epoch `epoch` (0-based), deterministic for a given seed. */
  *epoch(epoch: number): IterableIterator<Batch> {
    if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`DataLoader.epoch: epoch must be a non-negative integer, got ${epoch}`);
    const order = this.order(epoch);
    const augKey = this.augmentation ? streamKey(this.seed, DataStream.Augment, epoch) : null;
    const [c, h, w] = this.dataset.shape;
    const size = imageSize(this.dataset);
    const draw: CropFlip = { top: 0, left: 0, flip: false };
    const scratch = new Uint32Array(4);
    const total = this.numSamples;
    for (let start = 0; start < total; start += this.batchSize) {
      const b = Math.min(this.batchSize, total - start);
      const buf = this.batchBuffers();
      const x = b === this.batchSize ? buf.x : buf.x.subarray(0, b * size);
      const y = b === this.batchSize ? buf.y : buf.y.subarray(0, b);
      const indices = b === this.batchSize ? buf.indices : buf.indices.subarray(0, b);
      for (let k = 0; k < b; k++) {
        const i = order[start + k];
        indices[k] = i;
        y[k] = this.dataset.labels[i];
        if (augKey && this.augmentation) {
          drawCropFlip(augKey, start + k, this.augmentation.padding, this.augmentation.horizontalFlip, draw, scratch);
          cropFlipNormalize(this.dataset.images, i * size, x, k * size, this.dataset.shape, this.augmentation.padding, draw, this.affine);
        } else {
          normalizeCopy(this.dataset.images, i * size, x, k * size, c, h * w, this.affine);
        }
      }
      yield { x, y, batchShape: [b, c, h, w], indices };
    }
  }

  /** Iterates the next epoch: 0 on the first loop, then 1, 2, ... (use {@link epoch} to choose). */
  [Symbol.iterator](): IterableIterator<Batch> {
    return this.epoch(this.nextEpoch++);
  }

  private batchBuffers(): { x: Float32Array; y: Int32Array; indices: Int32Array } {
    if (this.buffers && this.reuse) return this.buffers;
    const buf = {
      x: new Float32Array(this.batchSize * imageSize(this.dataset)),
      y: new Int32Array(this.batchSize),
      indices: new Int32Array(this.batchSize),
    };
    if (this.reuse) this.buffers = buf;
    return buf;
  }
}

/** A training loader: shuffled every epoch, with the dataset family's standard augmentation (CIFAR: crop + flip). */
export function trainLoader(ds: Dataset, opts: LoaderOptions): DataLoader {
  const aug = standardAugmentation(ds.name);
  return new DataLoader(ds, { shuffle: true, augment: aug ?? false, ...opts });
}

/** An evaluation loader: dataset order, no augmentation, every sample kept. */
export function evalLoader(ds: Dataset, opts: LoaderOptions): DataLoader {
  return new DataLoader(ds, { shuffle: false, augment: false, dropLast: false, ...opts });
}
