import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DatasetError } from '../../lib/data/dataset';
import { datasetNames, defaultDataDir, describeDatasets, loadDataset } from '../../lib/data/registry';
import { idxBytes } from './format-writers';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pai-registry-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('knows its datasets; an unknown name lists them', async () => {
  expect(datasetNames().sort()).toEqual(['cifar10', 'cifar100', 'fashion-mnist', 'mnist', 'mnist-idx', 'synthetic']);
  expect(Object.keys(describeDatasets()).length).toBe(6);
  await expect(loadDataset('imagenet')).rejects.toThrow(DatasetError);
  await expect(loadDataset('imagenet')).rejects.toThrow(/unknown dataset "imagenet"\. Fix: use one of: mnist, mnist-idx, fashion-mnist, cifar10, cifar100, synthetic/);
  await expect(loadDataset('toString')).rejects.toThrow(/unknown dataset "toString"/);
});

test('default directories: Debian Fashion-MNIST, and PAI_DATA_DIR for the rest', () => {
  expect(defaultDataDir('fashion-mnist')).toBe('/usr/share/datasets/fashion-mnist');
  const saved = process.env.PAI_DATA_DIR;
  process.env.PAI_DATA_DIR = '/data/x';
  try {
    expect(defaultDataDir('cifar10')).toBe('/data/x');
    expect(defaultDataDir('mnist-idx')).toBe(path.join('/data/x', 'mnist'));
  } finally {
    if (saved === undefined) delete process.env.PAI_DATA_DIR;
    else process.env.PAI_DATA_DIR = saved;
  }
  expect(defaultDataDir('mnist')).toBeNull();
});

test('a missing Fashion-MNIST directory names it and the apt-get / --data-dir fix', async () => {
  const where = path.join(dir, 'no-fashion');
  await expect(loadDataset('fashion-mnist', { dataDir: where })).rejects.toThrow(
    new RegExp(`^${where}: directory not found\\. Fix: on Debian/Ubuntu run 'sudo apt-get install dataset-fashion-mnist', or .*--data-dir`),
  );
});

test('mnist-idx reads a directory of IDX files with the MNIST constants', async () => {
  const d = path.join(dir, 'mnist');
  fs.mkdirSync(d);
  for (const [prefix, n] of [['train', 6], ['t10k', 2]] as const) {
    fs.writeFileSync(path.join(d, `${prefix}-images-idx3-ubyte`), idxBytes(0x08, [n, 28, 28], new Array(n * 784).fill(255)));
    fs.writeFileSync(path.join(d, `${prefix}-labels-idx1-ubyte`), idxBytes(0x08, [n], Array.from({ length: n }, (_, i) => i)));
  }
  const { train, test } = await loadDataset('mnist-idx', { dataDir: d });
  expect(train.name).toBe('mnist-idx');
  expect(train.labels.length).toBe(6);
  expect(test.images[0]).toBe(1);
  expect(train.normalization).toEqual({ mean: [0.1307], std: [0.3081] });
  await expect(loadDataset('mnist-idx', { dataDir: path.join(dir, 'none') })).rejects.toThrow(/none: directory not found\. Fix: put the four MNIST IDX files/);
});

test('synthetic through the registry', async () => {
  const { train, test } = await loadDataset('synthetic', { synthetic: { shape: [1, 8, 8], numClasses: 4, trainSize: 20, testSize: 8, seed: 2 } });
  expect(train.shape).toEqual([1, 8, 8]);
  expect(test.labels.length).toBe(8);
});

const FASHION = '/usr/share/datasets/fashion-mnist';
(fs.existsSync(path.join(FASHION, 'train-images-idx3-ubyte.gz')) ? test : test.skip)('the real Fashion-MNIST of dataset-fashion-mnist', async () => {
  const { train, test } = await loadDataset('fashion-mnist');
  expect(train.labels.length).toBe(60000);
  expect(test.labels.length).toBe(10000);
  expect(train.shape).toEqual([1, 28, 28]);
  expect(Array.from(train.labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  expect(Array.from(test.labels.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
  expect(train.classNames?.[9]).toBe('Ankle boot');
  // The published constants are the training set's pixel statistics.
  let s = 0;
  let s2 = 0;
  for (const v of train.images) {
    s += v;
    s2 += v * v;
  }
  const mean = s / train.images.length;
  expect(mean).toBeCloseTo(0.286, 3);
  expect(Math.sqrt(s2 / train.images.length - mean * mean)).toBeCloseTo(0.353, 3);
});
