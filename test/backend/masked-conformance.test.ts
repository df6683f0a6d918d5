/**
 * The masked dense kernels (conv2d and linear with a fused mask) on every loaded backend
 * against the float64 reference of the definition: the plain op on weight ⊙ mask, whose
 * weight gradient is mask ⊙ the dense one. Masks are random with an exact number of survivors
 * from 100% down to 0.01% density, plus an all-zero mask, a single survivor, and masks with
 * whole output rows and input columns empty.
 */
import type { BackendName } from '../../lib/backend';
import { isBackendAvailable } from '../../lib/backend';
import { loadNative } from '../../lib/backend/native-loader';
import { fromArray, tidy, type Tensor } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { grad } from '../../lib/autograd';
import { inputValues, lossWeights, mismatch, rng, TEST_SEED, weightedLoss } from '../ops/harness';

const BACKENDS: BackendName[] = ['reference', 'cpu', 'cuda'];

function available(name: BackendName): boolean {
  if (name === 'cuda') return process.env.PAI_TEST_CUDA === '1' && isBackendAvailable('cuda');
  if (name === 'cpu') return loadNative().addon !== null && isBackendAvailable('cpu');
  return true;
}

/** A masked layer: weight shape, input shape and the op with and without a fused mask. */
interface Layer {
  name: string;
  x: number[];
  w: number[];
  bias: boolean;
  run: (x: Tensor, w: Tensor, b: Tensor | null, mask: Tensor | null) => Tensor;
}

const LAYERS: Layer[] = [
  { name: 'conv2d k3 p1 [2,17,9,11] -> 32', x: [2, 17, 9, 11], w: [32, 17, 3, 3], bias: true, run: (x, w, b, mask) => o.conv2d(x, w, b, { padding: 1, mask }) },
  { name: 'conv2d k3 s2 groups 2', x: [3, 6, 8, 5], w: [10, 3, 3, 3], bias: false, run: (x, w, b, mask) => o.conv2d(x, w, b, { stride: 2, padding: 1, groups: 2, mask }) },
  { name: 'linear 97 -> 103', x: [6, 97], w: [103, 97], bias: true, run: (x, w, b, mask) => o.linear(x, w, b, { mask }) },
];

const DENSITIES = [1, 0.5, 0.2, 0.1, 0.05, 0.01, 0.001, 0.0001, 0];

/** A 0/1 mask with exactly round(density * size) survivors (at least one when density > 0), at random places. */
function randomMask(size: number, density: number, r: () => number): Float64Array {
  const k = density === 0 ? 0 : Math.max(1, Math.round(density * size));
  const idx = Array.from({ length: size }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(r() * (size - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const m = new Float64Array(size);
  for (let i = 0; i < k; i++) m[idx[i]] = 1;
  return m;
}

/** Half the output rows and a third of the input columns empty, the rest random at 50%. */
function emptyRowsAndColumns(shape: number[], r: () => number): Float64Array {
  const rows = shape[0];
  const cols = shape.slice(1).reduce((a, b) => a * b, 1);
  const m = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    if (i % 2 === 1) continue;
    for (let j = 0; j < cols; j++) if (j % 3 !== 0 && r() < 0.5) m[i * cols + j] = 1;
  }
  return m;
}

interface Result {
  y: Float64Array;
  grads: Float64Array[];
}

/** Output and gradients of weightedLoss with respect to x, w (and b). */
function evaluate(layer: Layer, values: Float64Array[], mask: Float64Array, backend: BackendName, fused: boolean, index: number): Result {
  return tidy(() => {
    const dtype = backend === 'reference' && !fused ? 'float64' : 'float32';
    const t = (v: Float64Array, shape: number[]) => fromArray(v, shape, { backend, dtype });
    const x = t(values[0], layer.x).requiresGrad_();
    const w = t(values[1], layer.w).requiresGrad_();
    const b = layer.bias ? t(values[2], [layer.w[0]]).requiresGrad_() : null;
    const m = t(mask, layer.w);
    const y = fused ? layer.run(x, w, b, m) : layer.run(x, o.mul(w, m), b, null);
    const inputs = b ? [x, w, b] : [x, w];
    const gs = grad(weightedLoss(y, lossWeights(y.shape, index)), inputs);
    return { y: Float64Array.from(y.data()), grads: gs.map((g) => Float64Array.from(g!.data())) };
  });
}

for (const backend of BACKENDS) {
  const run = available(backend) ? describe : describe.skip;
  run(`masked kernels on ${backend} vs the float64 reference of weight ⊙ mask (seed ${TEST_SEED})`, () => {
    LAYERS.forEach((layer, li) => {
      const size = layer.w.reduce((a, b) => a * b, 1);
      const patterns: [string, (r: () => number) => Float64Array][] = [
        ...DENSITIES.map((d): [string, (r: () => number) => Float64Array] => [`density ${d * 100}%`, (r) => randomMask(size, d, r)]),
        ['one survivor', (r) => randomMask(size, 1 / size, r)],
        ['empty rows and columns', (r) => emptyRowsAndColumns(layer.w, r)],
      ];
      test.each(patterns.map(([label, make], pi) => [label, make, pi] as const))(`${layer.name}, %s`, (_label, make, pi) => {
        const r = rng(TEST_SEED * 131 + li * 1009 + pi * 7);
        const values = [layer.x, layer.w, [layer.w[0]]].map((shape) => inputValues({ shape }, r));
        const mask = make(r);
        const index = li * 100 + pi;
        const want = evaluate(layer, values, mask, 'reference', false, index);
        const got = evaluate(layer, values, mask, backend, true, index);
        const where = `${layer.name}, ${_label} on ${backend}`;
        const bad = mismatch(got.y, want.y, 2e-4);
        if (bad) throw new Error(`${where}, output: ${bad}`);
        got.grads.forEach((g, i) => {
          const e = mismatch(g, want.grads[i], 1e-3);
          if (e) throw new Error(`${where}, gradient of input ${i}: ${e}`);
        });
        // The weight gradient is masked by the kernel itself: exactly 0 off the mask.
        const gw = got.grads[1];
        for (let i = 0; i < size; i++) if (mask[i] === 0 && gw[i] !== 0) throw new Error(`${where}: weight gradient ${gw[i]} at pruned index ${i}`);
      });
    });
  });
}

test('a mask that requires a gradient, or of the wrong shape, is refused with the fix', () => {
  tidy(() => {
    const x = fromArray([1, 2, 3, 4], [1, 4]);
    const w = fromArray([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]).requiresGrad_();
    const m = fromArray([1, 0, 1, 0, 1, 1, 0, 0], [2, 4]);
    expect(() => o.linear(x, w, null, { mask: m.clone().requiresGrad_() })).toThrow(/linear: the mask requires a gradient.*Fix: pass mul\(weight, mask\)/);
    expect(() => o.linear(x, w, null, { mask: o.reshape(m, [4, 2]) })).toThrow(/linear: mask \[4, 2\] must have the weight's shape \[2, 4\]/);
    const x4 = fromArray(new Float32Array(18).fill(1), [1, 2, 3, 3]);
    const w4 = fromArray(new Float32Array(8).fill(1), [1, 2, 2, 2]);
    expect(() => o.conv2d(x4, w4, null, { mask: fromArray([1, 0], [2]) })).toThrow(/conv2d: mask \[2\] must have the weight's shape \[1, 2, 2, 2\]/);
  });
});
