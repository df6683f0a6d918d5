import { checkDataset, Dataset } from '../../lib/data/dataset';
import { classBalancedSubset, firstK, pruningSet, randomSubset, subset } from '../../lib/data/subset';

/** 40 images of 2x1x2 whose pixels encode their index; labels cycle unevenly over 4 classes. */
function ds(): Dataset {
  const n = 40;
  const images = Float32Array.from({ length: n * 4 }, (_, k) => Math.floor(k / 4) / 100);
  const labels = Int32Array.from({ length: n }, (_, i) => [0, 1, 1, 2, 3, 3, 3, 0][i % 8]);
  return checkDataset({ name: 'toy', images, labels, shape: [2, 1, 2], numClasses: 4, classNames: ['a', 'b', 'c', 'd'] });
}

const indexOf = (d: Dataset, k: number): number => Math.round(d.images[k * 4] * 100);

test('subset copies images and labels at the given indices', () => {
  const s = subset(ds(), [5, 0, 5]);
  expect([0, 1, 2].map((k) => indexOf(s, k))).toEqual([5, 0, 5]);
  expect(Array.from(s.labels)).toEqual([3, 0, 3]);
  expect(s.classNames).toEqual(['a', 'b', 'c', 'd']);
  expect(() => subset(ds(), [40])).toThrow(/index 40 \(position 0\) is outside \[0, 40\)/);
});

test('firstK and randomSubset', () => {
  expect(Array.from(firstK(ds(), 3).labels)).toEqual([0, 1, 1]);
  const r = randomSubset(ds(), 10, 3);
  const idx = Array.from({ length: 10 }, (_, k) => indexOf(r, k));
  expect(new Set(idx).size).toBe(10);
  expect(idx).toEqual(Array.from({ length: 10 }, (_, k) => indexOf(randomSubset(ds(), 10, 3), k)));
  expect(idx).not.toEqual(Array.from({ length: 10 }, (_, k) => k));
  expect(() => firstK(ds(), 41)).toThrow(/asked for 41 images but "toy" has 40/);
});

test('classBalancedSubset takes exactly perClass of each class, first ones or seeded', () => {
  const first = classBalancedSubset(ds(), 2);
  expect(Array.from({ length: 8 }, (_, k) => indexOf(first, k))).toEqual([0, 1, 2, 3, 4, 5, 7, 11]);
  const seeded = classBalancedSubset(ds(), 5, 9);
  const counts = [0, 0, 0, 0];
  for (const y of seeded.labels) counts[y]++;
  expect(counts).toEqual([5, 5, 5, 5]);
  for (let k = 0; k < 20; k++) expect(ds().labels[indexOf(seeded, k)]).toBe(seeded.labels[k]);
  // class 'c' (2) has 5 images only
  expect(() => classBalancedSubset(ds(), 6)).toThrow(/class 2 \("c"\) has only 5 images in "toy", fewer than 6/);
});

test('pruningSet gives samplesPerClass x classes images in each mode', () => {
  for (const mode of ['balanced', 'random', 'first'] as const) expect(pruningSet(ds(), { samplesPerClass: 3, mode }).labels.length).toBe(12);
  expect(pruningSet(ds(), { samplesPerClass: 5 }).labels.length).toBe(20);
  expect(() => pruningSet(ds(), { mode: 'nope' as never })).toThrow(/mode must be/);
});
