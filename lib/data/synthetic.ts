import { philoxUniform } from '../backend/reference/philox';
import { checkDataset, Dataset, DatasetSplits } from './dataset';
import { DataStream, streamKey } from './random-stream';

/** Options of {@link makeSynthetic}. */
export interface SyntheticOptions {
  /** [C, H, W] of each image; default [3, 32, 32]. */
  shape?: [number, number, number];
  /** Default 10. */
  numClasses?: number;
  /** Default 1000. */
  trainSize?: number;
  /** Default 200. */
  testSize?: number;
  /** Default 0. */
  seed?: number;
  /**
   * Weight of the class prototype in each image, in [0, 1]: image = signal * prototype[y]
   * + (1 - signal) * noise. 0 gives pure noise (labels unlearnable, for timing); the
   * default 0.5 gives a task a small net learns in a few steps.
   */
  signal?: number;
}

function keyAsSeed(key: [number, number]): bigint {
  return BigInt(key[0]) | (BigInt(key[1]) << 32n);
}

function positiveInteger(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`makeSynthetic: ${name} must be a positive integer, got ${v}`);
  return v;
}

/**
 * Random images of a given shape and class count, seeded (Philox): each class has a
 * random prototype in [0, 1]^(C*H*W); image i mixes the prototype of its label with
 * uniform noise. Train and test share the prototypes and draw independent noise and labels.
 */
export function makeSynthetic(opts: SyntheticOptions = {}): DatasetSplits {
  const shape = opts.shape ?? [3, 32, 32];
  if (!Array.isArray(shape) || shape.length !== 3) throw new RangeError(`makeSynthetic: shape must be [C, H, W], got ${JSON.stringify(shape)}`);
  shape.forEach((d, i) => positiveInteger(`shape[${i}]`, d));
  const numClasses = positiveInteger('numClasses', opts.numClasses ?? 10);
  const trainSize = positiveInteger('trainSize', opts.trainSize ?? 1000);
  const testSize = positiveInteger('testSize', opts.testSize ?? 200);
  const seed = opts.seed ?? 0;
  const signal = opts.signal ?? 0.5;
  if (!(signal >= 0 && signal <= 1)) throw new RangeError(`makeSynthetic: signal must be in [0, 1], got ${signal}`);
  const size = shape[0] * shape[1] * shape[2];
  const prototypes = new Float32Array(numClasses * size);
  philoxUniform(keyAsSeed(streamKey(seed, DataStream.Synthetic, 0)), 0, prototypes);

  const split = (n: number, stream: number): Dataset => {
    const u = new Float64Array(n);
    philoxUniform(keyAsSeed(streamKey(seed, DataStream.Synthetic, stream)), 0, u);
    const labels = Int32Array.from(u, (v) => Math.min(numClasses - 1, Math.floor(v * numClasses)));
    const images = new Float32Array(n * size);
    philoxUniform(keyAsSeed(streamKey(seed, DataStream.Synthetic, stream + 1)), 0, images);
    for (let i = 0; i < n; i++) {
      const p = labels[i] * size;
      const o = i * size;
      for (let k = 0; k < size; k++) images[o + k] = signal * prototypes[p + k] + (1 - signal) * images[o + k];
    }
    return checkDataset({
      name: 'synthetic',
      images,
      labels,
      shape: [shape[0], shape[1], shape[2]],
      numClasses,
      normalization: { mean: new Array(shape[0]).fill(0.5), std: new Array(shape[0]).fill(0.5) },
    });
  };
  return { train: split(trainSize, 1), test: split(testSize, 3) };
}
