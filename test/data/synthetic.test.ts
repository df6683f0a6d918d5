import { makeSynthetic } from '../../lib/data/synthetic';

test('shapes, value range, determinism and seed dependence', () => {
  const a = makeSynthetic({ shape: [2, 3, 5], numClasses: 7, trainSize: 50, testSize: 11, seed: 4 });
  expect(a.train.images.length).toBe(50 * 30);
  expect(a.test.labels.length).toBe(11);
  expect(a.train.shape).toEqual([2, 3, 5]);
  expect(a.train.numClasses).toBe(7);
  expect(Math.min(...a.train.images)).toBeGreaterThanOrEqual(0);
  expect(Math.max(...a.train.images)).toBeLessThanOrEqual(1);
  expect(Math.max(...a.train.labels)).toBeLessThan(7);
  const b = makeSynthetic({ shape: [2, 3, 5], numClasses: 7, trainSize: 50, testSize: 11, seed: 4 });
  expect(b.train.images).toEqual(a.train.images);
  expect(b.test.labels).toEqual(a.test.labels);
  const c = makeSynthetic({ shape: [2, 3, 5], numClasses: 7, trainSize: 50, testSize: 11, seed: 5 });
  expect(c.train.images).not.toEqual(a.train.images);
  expect(a.test.images.subarray(0, 30)).not.toEqual(a.train.images.subarray(0, 30));
});

test('with the default signal, the nearest class mean of the training set labels the test set', () => {
  const { train, test } = makeSynthetic({ shape: [1, 4, 4], numClasses: 5, trainSize: 500, testSize: 100, seed: 1 });
  const size = 16;
  const means = new Float64Array(5 * size);
  const counts = new Float64Array(5);
  for (let i = 0; i < 500; i++) {
    counts[train.labels[i]]++;
    for (let k = 0; k < size; k++) means[train.labels[i] * size + k] += train.images[i * size + k];
  }
  for (let c = 0; c < 5; c++) for (let k = 0; k < size; k++) means[c * size + k] /= counts[c];
  let correct = 0;
  for (let i = 0; i < 100; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let c = 0; c < 5; c++) {
      let d = 0;
      for (let k = 0; k < size; k++) d += (test.images[i * size + k] - means[c * size + k]) ** 2;
      if (d < bestD) [best, bestD] = [c, d];
    }
    if (best === test.labels[i]) correct++;
  }
  expect(correct).toBeGreaterThan(90);
});

test('rejects bad options', () => {
  expect(() => makeSynthetic({ shape: [1, 0, 2] })).toThrow(/shape\[1\] must be a positive integer/);
  expect(() => makeSynthetic({ signal: 2 })).toThrow(/signal must be in \[0, 1\]/);
  expect(() => makeSynthetic({ numClasses: 0 })).toThrow(/numClasses/);
});
