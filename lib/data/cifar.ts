import * as fs from 'fs';
import * as path from 'path';
import { checkDataset, Dataset, DatasetError, DatasetSplits } from './dataset';
import { isGzip, gunzipBytes, readDataFile } from './gzip-file';
import { readTar, tarMemberPath } from './tar';
import { CIFAR100_NORMALIZATION, CIFAR10_NORMALIZATION } from './standard-transforms';

// The "binary version" of CIFAR (https://www.cs.toronto.edu/~kriz/cifar.html): fixed-size
// records of label byte(s) then 3072 pixel bytes, 1024 red, 1024 green, 1024 blue, each
// a 32x32 row-major plane -- already CHW.

/** Which CIFAR and where its official binary archive lives. */
export interface CifarVariant {
  name: 'cifar10' | 'cifar100';
  /** File name of the official binary archive. */
  archive: string;
  /** Its download address. */
  url: string;
  /** Its MD5, as published on the CIFAR page. */
  md5: string;
  /** The folder the archive unpacks to. */
  folder: string;
  trainFiles: string[];
  testFile: string;
  /** Label bytes before the pixels of each record. */
  labelBytes: number;
}

/** CIFAR-10 binary: 5 training batches of 10,000 and a test batch, one label byte per record. */
export const CIFAR10: CifarVariant = {
  name: 'cifar10',
  archive: 'cifar-10-binary.tar.gz',
  url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
  md5: 'c32a1d4ab5d03f1284b67883e8d87530',
  folder: 'cifar-10-batches-bin',
  trainFiles: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
  testFile: 'test_batch.bin',
  labelBytes: 1,
};

/** CIFAR-100 binary: train.bin (50,000) and test.bin (10,000); records hold a coarse then a fine label byte. */
export const CIFAR100: CifarVariant = {
  name: 'cifar100',
  archive: 'cifar-100-binary.tar.gz',
  url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
  md5: '03b5dce01913d631647c71ecec9e9cb8',
  folder: 'cifar-100-binary',
  trainFiles: ['train.bin'],
  testFile: 'test.bin',
  labelBytes: 2,
};

/** The CIFAR-10 class names, in label order (as in batches.meta.txt). */
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

const PIXELS = 3 * 32 * 32;

/** Options of the CIFAR readers. */
export interface CifarReadOptions {
  /** CIFAR-100 only: 'fine' (100 classes, the default) or 'coarse' (20 superclasses). */
  labels?: 'fine' | 'coarse';
}

function classesOf(v: CifarVariant, opts: CifarReadOptions): number {
  return v.name === 'cifar10' ? 10 : opts.labels === 'coarse' ? 20 : 100;
}

/** Decodes concatenated binary records into images in [0, 1] and labels. */
export function parseCifarRecords(
  chunks: { bytes: Uint8Array; source: string }[],
  v: CifarVariant,
  opts: CifarReadOptions = {},
): { images: Float32Array; labels: Int32Array } {
  const record = v.labelBytes + PIXELS;
  const numClasses = classesOf(v, opts);
  // CIFAR-100 records are <coarse label><fine label><pixels>.
  const labelAt = v.name === 'cifar100' && opts.labels !== 'coarse' ? 1 : 0;
  let n = 0;
  for (const { bytes, source } of chunks) {
    if (bytes.length === 0 || bytes.length % record !== 0) {
      throw new DatasetError(
        source,
        `has ${bytes.length} bytes, not a whole number of ${record}-byte ${v.name} records (${Math.floor(bytes.length / record)} records and ${bytes.length % record} bytes over)`,
        'the file was cut short or is not a CIFAR binary batch; download or copy it again',
      );
    }
    n += bytes.length / record;
  }
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  let i = 0;
  for (const { bytes, source } of chunks) {
    for (let r = 0; r < bytes.length; r += record, i++) {
      const y = bytes[r + labelAt];
      if (y >= numClasses) {
        throw new DatasetError(source, `record ${r / record} has label ${y}, not below ${numClasses}`, `the file is corrupt or not ${v.name}; download it again`);
      }
      labels[i] = y;
      const base = i * PIXELS;
      const p0 = r + v.labelBytes;
      for (let k = 0; k < PIXELS; k++) images[base + k] = bytes[p0 + k] / 255;
    }
  }
  return { images, labels };
}

/** A source of named members: a directory, or the entries of an archive. */
type MemberReader = (member: string) => { bytes: Uint8Array; source: string } | null;

function directoryReader(dir: string): MemberReader {
  return (member) => {
    const file = path.join(dir, member);
    return fs.existsSync(file) ? { bytes: readDataFile(file, 'check the permissions of the data directory'), source: file } : null;
  };
}

function archiveReader(file: string, v: CifarVariant): MemberReader {
  let bytes: Uint8Array = readDataFile(file, `check the path, or download ${v.url}`);
  if (isGzip(bytes)) bytes = gunzipBytes(bytes, file);
  const byName = new Map<string, Uint8Array>();
  for (const e of readTar(bytes, file)) if (e.type === 'file') byName.set(tarMemberPath(e.name), e.data);
  return (member) => {
    const data = byName.get(`${v.folder}/${member}`) ?? byName.get(member);
    return data ? { bytes: data, source: `${file}:${v.folder}/${member}` } : null;
  };
}

/** How to get the data, quoted in errors. */
export function cifarFix(v: CifarVariant, dir: string): string {
  return `download ${v.url} into ${dir} (or unpack it there), pass download: true (pai: --download) where there is internet, or point dataDir (pai: --data-dir) at the folder holding it`;
}

/**
 * Finds the CIFAR data under `location`: a .tar.gz/.tar file, a directory holding the
 * unpacked folder (e.g. cifar-10-batches-bin/), the unpacked folder itself, or a
 * directory holding the official archive. Returns null when none is there.
 */
export function findCifarSource(location: string, v: CifarVariant): MemberReader | null {
  if (!fs.existsSync(location)) return null;
  if (fs.statSync(location).isFile()) return archiveReader(location, v);
  const probe = v.testFile;
  if (fs.existsSync(path.join(location, v.folder, probe))) return directoryReader(path.join(location, v.folder));
  if (fs.existsSync(path.join(location, probe))) return directoryReader(location);
  const archive = path.join(location, v.archive);
  if (fs.existsSync(archive)) return archiveReader(archive, v);
  return null;
}

function classNames(read: MemberReader, v: CifarVariant, opts: CifarReadOptions): string[] | undefined {
  const file = v.name === 'cifar10' ? 'batches.meta.txt' : opts.labels === 'coarse' ? 'coarse_label_names.txt' : 'fine_label_names.txt';
  const m = read(file);
  const names = m ? Buffer.from(m.bytes).toString('utf8').split(/\r?\n/).map((s) => s.trim()).filter((s) => s) : [];
  if (names.length === classesOf(v, opts)) return names;
  return v.name === 'cifar10' ? CIFAR10_CLASSES.slice() : undefined;
}

/** Reads both splits of CIFAR-10 or CIFAR-100 from `location` (see {@link findCifarSource}). */
export function readCifar(location: string, v: CifarVariant, opts: CifarReadOptions = {}): DatasetSplits {
  const read = findCifarSource(location, v);
  if (!read) {
    const what = fs.existsSync(location) ? `no ${v.name} binary data here (looked for ${v.folder}/, ${v.testFile} and ${v.archive})` : 'not found';
    throw new DatasetError(location, what, cifarFix(v, fs.existsSync(location) ? location : path.dirname(location)));
  }
  const members = (files: string[]): { bytes: Uint8Array; source: string }[] =>
    files.map((f) => {
      const m = read(f);
      if (!m) throw new DatasetError(location, `${v.folder}/${f} is missing`, 'the download is incomplete; download the archive again');
      return m;
    });
  const names = classNames(read, v, opts);
  const numClasses = classesOf(v, opts);
  const normalization = v.name === 'cifar10' ? CIFAR10_NORMALIZATION : CIFAR100_NORMALIZATION;
  const build = (files: string[]): Dataset => {
    const { images, labels } = parseCifarRecords(members(files), v, opts);
    return checkDataset({ name: v.name, images, labels, shape: [3, 32, 32], numClasses, classNames: names?.slice(), normalization });
  };
  return { train: build(v.trainFiles), test: build([v.testFile]) };
}
