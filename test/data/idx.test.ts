import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { DatasetError } from '../../lib/data/dataset';
import { parseIdx, readIdxFile } from '../../lib/data/idx';
import { readIdxDataset, readIdxSplit } from '../../lib/data/idx-dataset';
import { idxBytes } from './format-writers';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pai-idx-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const spec = { name: 'mnist-idx', numClasses: 10, fix: 'install-hint-for-test' };

/** Writes an MNIST-layout directory of n images of h x w with pixel (i, k) = (7i + 3k) mod 256 and label i mod 10. */
function writeSplitFiles(d: string, prefix: string, n: number, h: number, w: number, gz: boolean): void {
  fs.mkdirSync(d, { recursive: true });
  const px = Array.from({ length: n * h * w }, (_, j) => (7 * Math.floor(j / (h * w)) + 3 * (j % (h * w))) % 256);
  const lb = Array.from({ length: n }, (_, i) => i % 10);
  const put = (name: string, b: Buffer): void => fs.writeFileSync(path.join(d, name + (gz ? '.gz' : '')), gz ? zlib.gzipSync(b) : b);
  put(`${prefix}-images-idx3-ubyte`, idxBytes(0x08, [n, h, w], px));
  put(`${prefix}-labels-idx1-ubyte`, idxBytes(0x08, [n], lb));
}

describe('IDX parsing', () => {
  test('reads uint8, int16 and float32 arrays with big-endian dims and values', () => {
    const u8 = parseIdx(idxBytes(0x08, [2, 3], [0, 1, 2, 253, 254, 255]), 'u8');
    expect(u8).toEqual({ type: 'uint8', dims: [2, 3], data: new Uint8Array([0, 1, 2, 253, 254, 255]) });
    const i16 = parseIdx(idxBytes(0x0b, [3], [-2, 300, 32767]), 'i16');
    expect(i16.type).toBe('int16');
    expect(Array.from(i16.data)).toEqual([-2, 300, 32767]);
    const f32 = parseIdx(idxBytes(0x0d, [1, 2], [1.5, -0.25]), 'f32');
    expect(Array.from(f32.data)).toEqual([1.5, -0.25]);
  });

  test('reads a file byte-for-byte as documented, gzipped or not, whatever its name', () => {
    const raw = Buffer.from([0, 0, 8, 1, 0, 0, 0, 3, 9, 8, 7]);
    fs.writeFileSync(path.join(dir, 'plain'), raw);
    fs.writeFileSync(path.join(dir, 'zipped-without-suffix'), zlib.gzipSync(raw));
    for (const f of ['plain', 'zipped-without-suffix']) {
      const a = readIdxFile(path.join(dir, f));
      expect(a.dims).toEqual([3]);
      expect(Array.from(a.data)).toEqual([9, 8, 7]);
    }
  });

  const good = idxBytes(0x08, [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  test('every truncation throws a DatasetError naming the file', () => {
    for (let cut = 0; cut < good.length; cut++) {
      expect(() => parseIdx(good.subarray(0, cut), 'cut.idx')).toThrow(DatasetError);
      expect(() => parseIdx(good.subarray(0, cut), 'cut.idx')).toThrow(/^cut\.idx: .*Fix: /);
    }
    expect(() => parseIdx(good.subarray(0, good.length - 1), 'x')).toThrow(/\(24 bytes\) but the file has 23 bytes.*cut short/);
  });

  test.each([
    ['bad magic', Buffer.from([1, 0, 8, 1, 0, 0, 0, 0]), /bad IDX magic number 01 00 08 01/],
    ['unknown type', Buffer.from([0, 0, 0x0a, 1, 0, 0, 0, 0]), /unknown IDX type code 0xa/],
    ['no dimensions', Buffer.from([0, 0, 8, 0]), /0 dimensions/],
    ['negative dimension', Buffer.from([0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff]), /negative/],
    ['trailing bytes', Buffer.concat([good, Buffer.from([0])]), /1 bytes follow/],
  ])('rejects %s', (_what, bytes, message) => {
    expect(() => parseIdx(bytes, 'bad.idx')).toThrow(message);
  });

  test('a truncated or corrupt gzip stream names the file', () => {
    const gz = zlib.gzipSync(good);
    const file = path.join(dir, 'broken.gz');
    fs.writeFileSync(file, gz.subarray(0, gz.length - 10));
    expect(() => readIdxFile(file)).toThrow(/broken\.gz: the gzip stream is truncated/);
    const corrupt = Buffer.from(gz);
    corrupt[corrupt.length - 8] ^= 0xff; // the CRC-32 of the content
    fs.writeFileSync(file, corrupt);
    expect(() => readIdxFile(file)).toThrow(/broken\.gz: the gzip stream is corrupt/);
    expect(() => readIdxFile(path.join(dir, 'absent'))).toThrow(/absent: file not found/);
  });
});

describe('IDX datasets', () => {
  test('reads both splits of a gzipped and of a plain directory identically, pixels / 255', () => {
    const gzDir = path.join(dir, 'gz');
    const plainDir = path.join(dir, 'plain-dir');
    for (const d of [gzDir, plainDir]) {
      writeSplitFiles(d, 'train', 12, 4, 3, d === gzDir);
      writeSplitFiles(d, 't10k', 5, 4, 3, d === gzDir);
    }
    const a = readIdxDataset({ ...spec, dataDir: gzDir });
    const b = readIdxDataset({ ...spec, dataDir: plainDir });
    expect(a.train.labels.length).toBe(12);
    expect(a.test.labels.length).toBe(5);
    expect(a.train.shape).toEqual([1, 4, 3]);
    expect(a.train.images[12 * 5 + 7]).toBeCloseTo(((7 * 5 + 3 * 7) % 256) / 255, 7);
    expect(Array.from(a.test.labels)).toEqual([0, 1, 2, 3, 4]);
    expect(b.train.images).toEqual(a.train.images);
    expect(b.test.labels).toEqual(a.test.labels);
  });

  test('missing directory and missing files name the place and the fix', () => {
    expect(() => readIdxDataset({ ...spec, dataDir: path.join(dir, 'nowhere') })).toThrow(/nowhere: directory not found\. Fix: install-hint-for-test/);
    const half = path.join(dir, 'half');
    writeSplitFiles(half, 'train', 2, 2, 2, true);
    expect(() => readIdxDataset({ ...spec, dataDir: half })).toThrow(/half: neither t10k-images-idx3-ubyte\.gz nor t10k-images-idx3-ubyte/);
  });

  test('mismatched counts, wrong arrays and out-of-range labels are errors naming the file', () => {
    const d = path.join(dir, 'mismatch');
    fs.mkdirSync(d);
    const img = path.join(d, 'img');
    const lab = path.join(d, 'lab');
    fs.writeFileSync(img, idxBytes(0x08, [3, 2, 2], new Array(12).fill(1)));
    fs.writeFileSync(lab, idxBytes(0x08, [2], [0, 1]));
    expect(() => readIdxSplit(img, lab, spec)).toThrow(/lab: has 2 labels but img has 3 images/);
    fs.writeFileSync(lab, idxBytes(0x08, [3], [0, 1, 10]));
    expect(() => readIdxSplit(img, lab, spec)).toThrow(/label 10 at index 2 is not below the 10 classes/);
    fs.writeFileSync(lab, idxBytes(0x0b, [3], [0, 1, 2]));
    expect(() => readIdxSplit(img, lab, spec)).toThrow(/expected a 1-D uint8 label array \[N\], found 1-D int16/);
    expect(() => readIdxSplit(lab, lab, spec)).toThrow(/lab: expected a 3-D uint8 image array/);
  });
});
