import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { CIFAR10, CIFAR100, readCifar } from '../../lib/data/cifar';
import { DatasetError } from '../../lib/data/dataset';
import { cifarRecords, tarBytes } from './format-writers';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pai-cifar-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Pixel byte k of image i of batch b: varied, and different per batch. */
const pixel = (b: number) => (i: number, k: number): number => (k * 13 + i * 7 + b * 101) % 256;

/** The members of a tiny CIFAR-10: 5 train batches of 2 records and a test batch of 3. */
function cifar10Members(): { name: string; data: Buffer }[] {
  const m = [1, 2, 3, 4, 5].map((b) => ({ name: `data_batch_${b}.bin`, data: cifarRecords([[b % 10], [(b + 5) % 10]], pixel(b)) }));
  m.push({ name: 'test_batch.bin', data: cifarRecords([[9], [0], [3]], pixel(0)) });
  m.push({ name: 'batches.meta.txt', data: Buffer.from('airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n') });
  return m;
}

function writeDir(root: string, members: { name: string; data: Buffer }[]): void {
  fs.mkdirSync(root, { recursive: true });
  for (const m of members) fs.writeFileSync(path.join(root, m.name), m.data);
}

function archive(folder: string, members: { name: string; data: Buffer }[], gzip = true): Buffer {
  const tar = tarBytes([{ name: `${folder}/` }, ...members.map((m) => ({ name: `${folder}/${m.name}`, data: m.data }))]);
  return gzip ? zlib.gzipSync(tar) : tar;
}

describe('CIFAR-10 binary', () => {
  test('decodes records into CHW images / 255 and labels, in batch order', () => {
    const root = path.join(dir, 'c10');
    writeDir(path.join(root, 'cifar-10-batches-bin'), cifar10Members());
    const { train, test } = readCifar(root, CIFAR10);
    expect(train.labels.length).toBe(10);
    expect(Array.from(train.labels)).toEqual([1, 6, 2, 7, 3, 8, 4, 9, 5, 0]);
    expect(Array.from(test.labels)).toEqual([9, 0, 3]);
    expect(train.shape).toEqual([3, 32, 32]);
    expect(train.numClasses).toBe(10);
    expect(train.classNames?.[9]).toBe('truck');
    expect(train.normalization?.mean).toEqual([0.491, 0.482, 0.447]);
    // image 3 = second record of data_batch_2; channel 2 (blue), row 5, column 7
    const k = 2 * 1024 + 5 * 32 + 7;
    expect(train.images[3 * 3072 + k]).toBeCloseTo(pixel(2)(1, k) / 255, 7);
    expect(test.images[2 * 3072 + 100]).toBeCloseTo(pixel(0)(2, 100) / 255, 7);
  });

  test('reads the same data from the unpacked folder itself, a .tar.gz given directly, an archive in the directory, and a plain .tar', () => {
    const members = cifar10Members();
    const ref = readCifar(path.join(dir, 'c10'), CIFAR10);
    writeDir(path.join(dir, 'flat'), members);
    const gz = path.join(dir, 'archive-dir', 'cifar-10-binary.tar.gz');
    fs.mkdirSync(path.dirname(gz));
    fs.writeFileSync(gz, archive('cifar-10-batches-bin', members));
    const plainTar = path.join(dir, 'c10.tar');
    fs.writeFileSync(plainTar, archive('cifar-10-batches-bin', members, false));
    for (const where of [path.join(dir, 'flat'), gz, path.dirname(gz), plainTar]) {
      const got = readCifar(where, CIFAR10);
      expect(got.train.images).toEqual(ref.train.images);
      expect(got.test.labels).toEqual(ref.test.labels);
    }
  });

  test('a truncated batch, a bad label, a missing batch and a truncated archive are named errors', () => {
    const members = cifar10Members();
    const cut = members.map((m) => (m.name === 'data_batch_3.bin' ? { ...m, data: m.data.subarray(0, 3073 + 100) } : m));
    writeDir(path.join(dir, 'cut'), cut);
    expect(() => readCifar(path.join(dir, 'cut'), CIFAR10)).toThrow(/data_batch_3\.bin: has 3173 bytes, not a whole number of 3073-byte cifar10 records \(1 records and 100 bytes over\)/);

    const badLabel = members.map((m) => (m.name === 'test_batch.bin' ? { ...m, data: cifarRecords([[10]], pixel(0)) } : m));
    writeDir(path.join(dir, 'badlabel'), badLabel);
    expect(() => readCifar(path.join(dir, 'badlabel'), CIFAR10)).toThrow(/test_batch\.bin: record 0 has label 10, not below 10/);

    writeDir(path.join(dir, 'missing'), members.filter((m) => m.name !== 'data_batch_5.bin'));
    expect(() => readCifar(path.join(dir, 'missing'), CIFAR10)).toThrow(/cifar-10-batches-bin\/data_batch_5\.bin is missing/);

    const gz = archive('cifar-10-batches-bin', members);
    const file = path.join(dir, 'cut.tar.gz');
    fs.writeFileSync(file, gz.subarray(0, gz.length >> 1));
    expect(() => readCifar(file, CIFAR10)).toThrow(DatasetError);
    expect(() => readCifar(file, CIFAR10)).toThrow(/cut\.tar\.gz: the gzip stream is truncated/);
    const tarCut = path.join(dir, 'cut2.tar');
    fs.writeFileSync(tarCut, archive('cifar-10-batches-bin', members, false).subarray(0, 10000));
    expect(() => readCifar(tarCut, CIFAR10)).toThrow(/cut2\.tar: the tar archive is truncated/);
  });

  test('a missing or empty location names it and the fix', () => {
    expect(() => readCifar(path.join(dir, 'nowhere'), CIFAR10)).toThrow(/nowhere: not found\. Fix: download https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar-10-binary\.tar\.gz/);
    fs.mkdirSync(path.join(dir, 'empty'));
    expect(() => readCifar(path.join(dir, 'empty'), CIFAR10)).toThrow(/empty: no cifar10 binary data here.*--download.*--data-dir/);
  });
});

describe('CIFAR-100 binary', () => {
  const members = [
    { name: 'train.bin', data: cifarRecords([[3, 57], [19, 99], [0, 0]], pixel(1)) },
    { name: 'test.bin', data: cifarRecords([[7, 42]], pixel(2)) },
    { name: 'fine_label_names.txt', data: Buffer.from(Array.from({ length: 100 }, (_, i) => `fine${i}`).join('\n')) },
    { name: 'coarse_label_names.txt', data: Buffer.from(Array.from({ length: 20 }, (_, i) => `coarse${i}`).join('\n')) },
  ];

  test('reads fine labels by default and coarse labels on request, from a .tar.gz', () => {
    const file = path.join(dir, 'cifar-100-binary.tar.gz');
    fs.writeFileSync(file, archive('cifar-100-binary', members));
    const fine = readCifar(file, CIFAR100);
    expect(Array.from(fine.train.labels)).toEqual([57, 99, 0]);
    expect(fine.train.numClasses).toBe(100);
    expect(fine.train.classNames?.[57]).toBe('fine57');
    expect(fine.train.normalization?.std).toEqual([0.267, 0.256, 0.276]);
    expect(fine.train.images[3072 + 5]).toBeCloseTo(pixel(1)(1, 5) / 255, 7);
    const coarse = readCifar(file, CIFAR100, { labels: 'coarse' });
    expect(Array.from(coarse.train.labels)).toEqual([3, 19, 0]);
    expect(Array.from(coarse.test.labels)).toEqual([7]);
    expect(coarse.train.numClasses).toBe(20);
    expect(coarse.train.classNames?.[19]).toBe('coarse19');
  });

  test('records are 3074 bytes: a CIFAR-10 batch is rejected', () => {
    writeDir(path.join(dir, 'c100bad'), [{ name: 'train.bin', data: cifarRecords([[1], [2]], pixel(0)) }, members[1]]);
    expect(() => readCifar(path.join(dir, 'c100bad'), CIFAR100)).toThrow(/train\.bin: has 6146 bytes, not a whole number of 3074-byte cifar100 records/);
  });
});
