/**
 * BatchNorm + ReLU (+ 2x2 max pool) fusion in the layers: BatchNorm2d.forwardRelu /
 * forwardReluMaxPool2d, VggConvBlock.forwardMaxPool2d and Sequential's peephole give the
 * unfused results, statistics and gradients, and change no state-dict key.
 */
import { BatchNorm1d, BatchNorm2d, Conv2d, Linear, MaxPool2d, Module, ReLU, Sequential } from '../../lib/nn';
import { createModel, VggConvBlock } from '../../lib/models';
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

/** Runs fn with every fusion switched off: forwardRelu composes, blocks expose no pooled path. */
function unfusedEverywhere<T>(fn: () => T): T {
  const bn = BatchNorm2d.prototype as unknown as Record<string, unknown>;
  const block = VggConvBlock.prototype as unknown as Record<string, unknown>;
  const saved = [bn.forwardRelu, bn.forwardReluMaxPool2d, block.forwardMaxPool2d];
  bn.forwardRelu = function (this: BatchNorm2d, x: Tensor) {
    return o.relu(this.forward(x));
  };
  bn.forwardReluMaxPool2d = function (this: BatchNorm2d, x: Tensor) {
    return o.maxPool2d(o.relu(this.forward(x)), { kernelSize: 2 });
  };
  delete block.forwardMaxPool2d;
  try {
    return fn();
  } finally {
    [bn.forwardRelu, bn.forwardReluMaxPool2d, block.forwardMaxPool2d] = saved;
  }
}

test(`Sequential fuses batch norm, ReLU and a 2x2 max pool (seed ${TEST_SEED})`, () => {
  const make = () => new Sequential(new Conv2d(3, 4, 3, { padding: 1, seed: 5 }), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2), new Conv2d(4, 2, 1, { seed: 6 }));
  const x = input([2, 3, 6, 16]);
  const fusedNet = make();
  const plainNet = make();
  tidy(() => {
    const a = fusedNet.forward(x);
    const b = unfused(plainNet, x);
    expect(a.gradFn!.inputs[0].gradFn!.op).toBe('batchNormReluMaxPool2d');
    closeTo(a.data(), b.data(), 1e-5);
    o.sum(o.mul(a, a)).backward();
    o.sum(o.mul(b, b)).backward();
  });
  const pp = plainNet.namedParameters();
  fusedNet.namedParameters().forEach(([k, p], i) => {
    if (!p.grad) throw new Error(`${k} has no gradient`);
    closeTo(p.grad.data(), pp[i][1].grad!.data(), 1e-4);
  });
});

test(`VGG-11-BN: fused training step equals the unfused one (seed ${TEST_SEED})`, () => {
  const x = input([2, 3, 32, 32]);
  const step = (fusedRun: boolean) => {
    const model = createModel('vgg11-bn', { inputShape: [3, 32, 32], numClasses: 10, seed: 3 });
    model.train();
    const go = () =>
      tidy(() => {
        const out = model.forward(x);
        o.crossEntropy(out, Int32Array.of(1, 7)).backward();
        return Float64Array.from(out.data());
      });
    const out = fusedRun ? go() : unfusedEverywhere(go);
    return { out, grads: model.namedParameters().map(([, p]) => Float64Array.from(p.grad!.data())), state: [...model.stateDict().values()].map((t) => Float64Array.from((t as Tensor).data())) };
  };
  const f = step(true);
  const u = step(false);
  closeTo(f.out, u.out, 1e-4);
  f.grads.forEach((g, i) => closeTo(g, u.grads[i], 2e-3));
  f.state.forEach((v, i) => closeTo(v, u.state[i], 1e-5));
});
