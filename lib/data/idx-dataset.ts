import * as fs from 'fs';
import * as path from 'path';
import { checkDataset, Dataset, DatasetError, DatasetSplits, Normalization } from './dataset';
import { readIdxFile } from './idx';

/** Where and what an MNIST-layout IDX dataset is. */
export interface IdxDatasetSpec {
  /** Registry name given to the loaded datasets. */
  name: string;
  /** Directory holding {train,t10k}-{images-idx3,labels-idx1}-ubyte, each optionally .gz. */
  dataDir: string;
  numClasses: number;
  classNames?: string[];
  normalization?: Normalization;
  /** How to obtain the files, quoted in errors. */
  fix: string;
}

/** The Fashion-MNIST class names, in label order. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** The first existing file among the usual spellings of an MNIST-layout member. */
function findMember(dir: string, prefix: 'train' | 't10k', kind: 'images-idx3' | 'labels-idx1', fix: string): string {
  const dotted = kind.replace('-idx', '.idx');
  const names = [`${prefix}-${kind}-ubyte.gz`, `${prefix}-${kind}-ubyte`, `${prefix}-${dotted}-ubyte.gz`, `${prefix}-${dotted}-ubyte`];
  for (const n of names) {
    const file = path.join(dir, n);
    if (fs.existsSync(file)) return file;
  }
  throw new DatasetError(dir, `neither ${names[0]} nor ${names[1]} is in this directory`, fix);
}

/** Reads one split (an images file and a labels file) into a Dataset. */
export function readIdxSplit(imagesFile: string, labelsFile: string, spec: Omit<IdxDatasetSpec, 'dataDir'>): Dataset {
  const images = readIdxFile(imagesFile, spec.fix);
  const fixFormat = 'this is not an MNIST-layout file; give the matching images-idx3/labels-idx1 pair';
  if (images.type !== 'uint8' || images.dims.length !== 3) {
    throw new DatasetError(imagesFile, `expected a 3-D uint8 image array [N, H, W], found ${images.dims.length}-D ${images.type}`, fixFormat);
  }
  const labels = readIdxFile(labelsFile, spec.fix);
  if (labels.type !== 'uint8' || labels.dims.length !== 1) {
    throw new DatasetError(labelsFile, `expected a 1-D uint8 label array [N], found ${labels.dims.length}-D ${labels.type}`, fixFormat);
  }
  const [n, h, w] = images.dims;
  if (labels.dims[0] !== n) {
    throw new DatasetError(labelsFile, `has ${labels.dims[0]} labels but ${path.basename(imagesFile)} has ${n} images`, 'use the labels file of the same split');
  }
  const pixels = images.data as Uint8Array;
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] / 255;
  const y = new Int32Array(n);
  const raw = labels.data as Uint8Array;
  for (let i = 0; i < n; i++) {
    if (raw[i] >= spec.numClasses) {
      throw new DatasetError(labelsFile, `label ${raw[i]} at index ${i} is not below the ${spec.numClasses} classes`, 'the file is corrupt; download it again');
    }
    y[i] = raw[i];
  }
  return checkDataset({
    name: spec.name,
    images: out,
    labels: y,
    shape: [1, h, w],
    numClasses: spec.numClasses,
    classNames: spec.classNames?.slice(),
    normalization: spec.normalization,
  });
}

/** Reads the train (train-*) and test (t10k-*) splits of an MNIST-layout IDX directory. */
export function readIdxDataset(spec: IdxDatasetSpec): DatasetSplits {
  const dir = spec.dataDir;
  if (!fs.existsSync(dir)) throw new DatasetError(dir, 'directory not found', spec.fix);
  if (!fs.statSync(dir).isDirectory()) throw new DatasetError(dir, 'is not a directory', spec.fix);
  const split = (prefix: 'train' | 't10k'): Dataset =>
    readIdxSplit(findMember(dir, prefix, 'images-idx3', spec.fix), findMember(dir, prefix, 'labels-idx1', spec.fix), spec);
  return { train: split('train'), test: split('t10k') };
}
