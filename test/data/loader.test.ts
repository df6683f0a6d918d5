import { CropFlip, cropFlipNormalize, drawCropFlip } from '../../lib/data/augment';
import { checkDataset, Dataset } from '../../lib/data/dataset';
import { Batch, DataLoader, evalLoader, trainLoader } from '../../lib/data/loader';
import { streamKey, DataStream } from '../../lib/data/random-stream';

/** n images of shape [c, h, w]; pixel value encodes (image, channel, row, col) and stays in [0, 1]. */
function tinyDataset(n: number, shape: [number, number, number], name = 'tiny', numClasses = 3): Dataset {
  const [c, h, w] = shape;
  const images = new Float32Array(n * c * h * w);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) images[((i * c + ch) * h + y) * w + x] = (i * 1000 + ch * 100 + y * 10 + x + 1) / 1e6;
  const labels = Int32Array.from({ length: n }, (_, i) => i % numClasses);
  return checkDataset({ name, images, labels, shape, numClasses });
}

/** Reference augmentation, written the way torchvision composes it: zero-pad, crop, flip, then normalize. */
function naiveAugment(img: Float32Array, shape: number[], pad: number, d: CropFlip, mean: number[], std: number[]): Float32Array {
  const [c, h, w] = shape;
  const ph = h + 2 * pad;
  const pw = w + 2 * pad;
  const padded = new Float32Array(c * ph * pw);
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) padded[(ch * ph + y + pad) * pw + x + pad] = img[(ch * h + y) * w + x];
  const out = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const cropped = (xx: number): number => padded[(ch * ph + y + d.top) * pw + xx + d.left];
        const v = d.flip ? cropped(w - 1 - x) : cropped(x);
        out[(ch * h + y) * w + x] = (v - mean[ch]) / std[ch];
      }
  return out;
}

describe('augmentation', () => {
  test('a hand-worked 1x2x3 example: padding 1, crop offset (0, 2), flipped', () => {
    // image rows [1 2 3] / [4 5 6]; padded 4x5; crop rows 0-1, cols 2-4 -> [0 0 0] / [2 3 0]; flip -> [0 0 0] / [0 3 2]
    const src = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const dst = new Float32Array(6).fill(NaN);
    const identity = { scale: new Float64Array([1]), shift: new Float64Array([0]) };
    cropFlipNormalize(src, 0, dst, 0, [1, 2, 3], 1, { top: 0, left: 2, flip: true }, identity);
    expect(Array.from(dst)).toEqual([0, 0, 0, 0, 3, 2]);
    cropFlipNormalize(src, 0, dst, 0, [1, 2, 3], 1, { top: 2, left: 1, flip: false }, identity);
    expect(Array.from(dst)).toEqual([4, 5, 6, 0, 0, 0]);
  });

  test('matches pad-crop-flip-normalize for every offset and flip on odd shapes, padding beyond the image included', () => {
    const shape = [2, 3, 5];
    const img = Float32Array.from({ length: 30 }, (_, i) => ((i * 37) % 29) / 29);
    const mean = [0.3, 0.6];
    const std = [0.2, 0.7];
    const affine = { scale: Float64Array.from(std, (s) => 1 / s), shift: Float64Array.from(mean, (m, k) => -m / std[k]) };
    for (const pad of [0, 1, 2, 6]) {
      for (let top = 0; top <= 2 * pad; top++)
        for (let left = 0; left <= 2 * pad; left++)
          for (const flip of [false, true]) {
            const d = { top, left, flip };
            const dst = new Float32Array(40).fill(NaN);
            cropFlipNormalize(img, 0, dst, 5, shape, pad, d, affine);
            const want = naiveAugment(img, shape, pad, d, mean, std);
            for (let k = 0; k < 30; k++) expect(dst[5 + k]).toBeCloseTo(want[k], 5);
            expect(Number.isNaN(dst[0]) && Number.isNaN(dst[39])).toBe(true);
          }
    }
  });

  test('draws cover every offset in [0, 2p] and flip about half the time', () => {
    const key = streamKey(3, DataStream.Augment, 0);
    const d = { top: 0, left: 0, flip: false };
    const scratch = new Uint32Array(4);
    const tops = new Array(9).fill(0);
    let flips = 0;
    const n = 9000;
    for (let i = 0; i < n; i++) {
      drawCropFlip(key, i, 4, true, d, scratch);
      tops[d.top]++;
      if (d.flip) flips++;
      expect(d.left).toBeGreaterThanOrEqual(0);
      expect(d.left).toBeLessThanOrEqual(8);
    }
    for (const t of tops) expect(Math.abs(t - n / 9)).toBeLessThan(150); // ~5 sigma
    expect(Math.abs(flips - n / 2)).toBeLessThan(250);
    drawCropFlip(key, 1, 4, false, d, scratch);
    expect(d.flip).toBe(false);
  });
});

/** Copies each batch while iterating: a reusing loader overwrites its buffers with the next batch. */
function collect(loader: DataLoader, epoch: number): Batch[] {
  const out: Batch[] = [];
  for (const b of loader.epoch(epoch)) out.push({ x: b.x.slice(), y: b.y.slice(), indices: b.indices.slice(), batchShape: [...b.batchShape] as Batch['batchShape'] });
  return out;
}

describe('DataLoader', () => {
  const ds = tinyDataset(10, [1, 2, 2]);

  test('batches in dataset order, keeping or dropping the last partial batch', () => {
    const keep = new DataLoader(ds, { batchSize: 4, normalize: false });
    const batches = collect(keep, 0).map((b) => ({ idx: Array.from(b.indices), y: Array.from(b.y), shape: b.batchShape, x0: b.x[0] }));
    expect(batches.map((b) => b.idx)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(batches[2].shape).toEqual([2, 1, 2, 2]);
    expect(batches[1].y).toEqual([1, 2, 0, 1]);
    expect(batches[1].x0).toBeCloseTo(ds.images[4 * 4], 7);
    expect(keep.numBatches).toBe(3);
    const drop = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect([...drop.epoch(0)].length).toBe(2);
    expect(drop.numBatches).toBe(2);
    expect(drop.numSamples).toBe(8);
  });

  test('shuffles to a permutation that depends only on (seed, epoch)', () => {
    const a = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 });
    const b = new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 7 });
    const c = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 8 });
    const flat = (l: DataLoader, e: number): number[] => collect(l, e).flatMap((x) => Array.from(x.indices));
    expect(flat(a, 0).slice().sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(flat(a, 0)).toEqual(flat(b, 0));
    expect(flat(a, 3)).toEqual(flat(a, 3));
    expect(flat(a, 0)).not.toEqual(flat(a, 1));
    expect(flat(a, 0)).not.toEqual(flat(c, 0));
    // Iterating the loader itself walks epochs 0, 1, 2, ...
    const it = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 });
    const first: number[] = [];
    for (const x of it) first.push(...x.indices);
    const second: number[] = [];
    for (const x of it) second.push(...x.indices);
    expect(first).toEqual(flat(a, 0));
    expect(second).toEqual(flat(a, 1));
  });

  test('normalizes per channel with the dataset constants or explicit ones', () => {
    const rgb = { ...tinyDataset(2, [3, 1, 2], 'cifar10'), normalization: { mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2] } };
    const [batch] = [...new DataLoader(rgb, { batchSize: 2 }).epoch(0)];
    for (let k = 0; k < rgb.images.length; k++) {
      const ch = Math.floor(k / 2) % 3;
      expect(batch.x[k]).toBeCloseTo((rgb.images[k] - rgb.normalization.mean[ch]) / rgb.normalization.std[ch], 6);
    }
    const [raw] = [...new DataLoader(rgb, { batchSize: 2, normalize: false }).epoch(0)];
    expect(raw.x).toEqual(rgb.images);
    const [custom] = [...new DataLoader(rgb, { batchSize: 2, normalize: { mean: [1, 1, 1], std: [1, 1, 1] } }).epoch(0)];
    expect(custom.x[0]).toBeCloseTo(rgb.images[0] - 1, 6);
    expect(() => new DataLoader(ds, { batchSize: 2, normalize: true })).toThrow(/"tiny" has no standard normalization/);
    expect(() => new DataLoader(rgb, { batchSize: 2, normalize: { mean: [0], std: [1] } })).toThrow(/1 means and 1 stds, dataset "cifar10" has 3 channels/);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
  });

  test('augmented batches are the reference augmentation of the drawn crop, deterministic per (seed, epoch)', () => {
    const img = tinyDataset(7, [2, 4, 3], 'cifar10');
    const norm = { mean: [0.5, 0.4], std: [0.3, 0.2] };
    const loader = new DataLoader({ ...img, normalization: norm }, { batchSize: 3, shuffle: true, seed: 11, augment: { padding: 2, horizontalFlip: true } });
    const key = streamKey(11, DataStream.Augment, 4);
    const d = { top: 0, left: 0, flip: false };
    let pos = 0;
    const seenFlip = new Set<boolean>();
    for (const b of loader.epoch(4)) {
      for (let k = 0; k < b.batchShape[0]; k++, pos++) {
        drawCropFlip(key, pos, 2, true, d, new Uint32Array(4));
        seenFlip.add(d.flip);
        const i = b.indices[k];
        const want = naiveAugment(img.images.subarray(i * 24, (i + 1) * 24), [2, 4, 3], 2, d, norm.mean, norm.std);
        for (let j = 0; j < 24; j++) expect(b.x[k * 24 + j]).toBeCloseTo(want[j], 5);
      }
    }
    expect(pos).toBe(7);
    const again = collect(loader, 4).map((b) => Array.from(b.x));
    const other = collect(loader, 5).map((b) => Array.from(b.x));
    expect(collect(loader, 4).map((b) => Array.from(b.x))).toEqual(again);
    expect(other).not.toEqual(again);
  });

  test('reuses its buffers by default and allocates fresh ones on request', () => {
    const reuse = new DataLoader(ds, { batchSize: 4 });
    const got = [...reuse.epoch(0)];
    expect(got[0].x.buffer).toBe(got[1].x.buffer);
    expect(got[2].x.length).toBe(2 * 4);
    // Hence the documented rule: copy what must outlive the step (here the first batch was overwritten).
    expect(Array.from(got[0].indices)).toEqual([8, 9, 6, 7]);
    const fresh = [...new DataLoader(ds, { batchSize: 4, reuseBuffers: false }).epoch(0)];
    expect(fresh[0].x.buffer).not.toBe(fresh[1].x.buffer);
    expect(Array.from(fresh[0].indices)).toEqual([0, 1, 2, 3]);
  });

  test('trainLoader shuffles and applies the family augmentation; evalLoader does neither', () => {
    const cifar = { ...tinyDataset(5, [3, 4, 4], 'cifar10'), normalization: { mean: [0, 0, 0], std: [1, 1, 1] } };
    const t = trainLoader(cifar, { batchSize: 2, seed: 1 });
    expect(t.shuffle).toBe(true);
    expect(t.augmentation).toEqual({ padding: 4, horizontalFlip: true });
    const e = evalLoader(cifar, { batchSize: 2 });
    expect(e.shuffle).toBe(false);
    expect(e.augmentation).toBeNull();
    expect(trainLoader({ ...ds, name: 'mnist' }, { batchSize: 2 }).augmentation).toBeNull();
  });
});
