/**
 * BatchNorm + ReLU fusion in the layers: BatchNorm2d.forwardRelu and Sequential's
 * peephole (a batch norm child followed by a ReLU child runs as one batchNormRelu) give
 * the unfused results, statistics and gradients, and change no state-dict key.
 */
import { BatchNorm1d, BatchNorm2d, Conv2d, Linear, Module, ReLU, Sequential } from '../../lib/nn';
import { fromArray, tidy, type Tensor } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { rng, TEST_SEED } from '../ops/harness';

const r = rng(TEST_SEED);
const input = (shape: number[]) => fromArray(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1), shape, { backend: 'cpu' });

function net(): Sequential {
  return new Sequential(
    new Conv2d(3, 5, 3, { padding: 1, seed: 1 }),
    new BatchNorm2d(5),
    new ReLU(),
    new Conv2d(5, 4, 3, { padding: 1, seed: 2 }),
    new BatchNorm2d(4),
    new ReLU(),
  );
}

/** The same network run child by child (no fusion). */
function unfused(s: Sequential, x: Tensor): Tensor {
  let y = x;
  for (let i = 0; i < s.length; i++) y = s.at(i).forward(y);
  return y;
}

function closeTo(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) {
      throw new Error(`index ${i}: ${actual[i]} vs ${expected[i]} (seed ${TEST_SEED})`);
    }
  }
}

test.each([true, false])(`Sequential fuses batch norm + ReLU with the unfused results (training %s, seed ${TEST_SEED})`, (training) => {
  const x = input([3, 3, 7, 5]);
  const w = input([3, 4, 7, 5]);
  const fusedNet = net();
  const plainNet = net();
  for (const m of [fusedNet, plainNet]) m.train(training);
  tidy(() => {
    const a = fusedNet.forward(x);
    const b = unfused(plainNet, x);
    expect(a.gradFn!.op).toBe(training ? 'batchNormRelu' : 'relu');
    closeTo(a.data(), b.data(), 1e-5);
    o.sum(o.mul(a, w)).backward();
    o.sum(o.mul(b, w)).backward();
  });
  const fp = fusedNet.namedParameters();
  const pp = plainNet.namedParameters();
  expect(fp.map(([k]) => k)).toEqual(pp.map(([k]) => k));
  fp.forEach(([k, p], i) => {
    if (!p.grad) throw new Error(`${k} has no gradient`);
    closeTo(p.grad.data(), pp[i][1].grad!.data(), 1e-4);
  });
  const fs = fusedNet.stateDict();
  const ps = plainNet.stateDict();
  expect([...fs.keys()]).toEqual([...ps.keys()]);
  expect(fs.size).toBe(2 * 2 + 2 * 5);
  for (const k of fs.keys()) closeTo((fs.get(k) as Tensor).data(), (ps.get(k) as Tensor).data(), 1e-5);
});

test('state-dict keys are PyTorch nn.Sequential(BatchNorm2d, ReLU) keys', () => {
  expect([...new Sequential(new BatchNorm2d(3), new ReLU()).stateDict().keys()]).toEqual([
    '0.weight',
    '0.bias',
    '0.running_mean',
    '0.running_var',
    '0.num_batches_tracked',
  ]);
});

test('BatchNorm1d + ReLU fuses too; a ReLU subclass with its own forward or a lone batch norm does not', () => {
  class Leakyish extends ReLU {
    override forward(x: Tensor): Tensor {
      return o.add(o.relu(x), o.mul(x, 0.01));
    }
  }
  tidy(() => {
    const x = input([6, 4]);
    expect(new Sequential(new Linear(4, 3, { seed: 3 }), new BatchNorm1d(3), new ReLU()).forward(x).gradFn!.op).toBe('batchNormRelu');
    expect(new Sequential(new BatchNorm1d(4), new Leakyish()).forward(x).gradFn!.op).toBe('add');
    expect(new Sequential(new ReLU(), new BatchNorm1d(4)).forward(x).gradFn!.op).toBe('batchNorm');
  });
});

test('forwardRelu checks its input and counts batches like forward', () => {
  const bn = new BatchNorm2d(3);
  expect(() => bn.forwardRelu(input([2, 4, 3, 3]))).toThrow(/BatchNorm2d: input has 4 channels, expected 3/);
  expect(() => bn.forwardRelu(input([2, 3, 3]))).toThrow(/BatchNorm2d: expected \[n, c, h, w\]/);
  tidy(() => bn.forwardRelu(input([2, 3, 2, 2])));
  expect(bn.numBatchesTracked).toBe(1);
  expect((bn.stateDict().get('num_batches_tracked') as Tensor).data()[0]).toBe(1);
});

test('a module patched at run time is left alone', () => {
  const bn = new BatchNorm2d(2);
  const seen: string[] = [];
  const relu = new ReLU();
  (relu as Module).forward = (x: Tensor) => {
    seen.push('relu');
    return o.relu(x);
  };
  tidy(() => new Sequential(bn, relu).forward(input([2, 2, 3, 3])));
  expect(seen).toEqual(['relu']);
});
