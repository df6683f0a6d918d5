/**
 * The ResNet block's fused tail (bn2 + shortcut + ReLU as batchNormAddRelu) against the
 * block run module by module: outputs, gradients of every parameter and of the input,
 * running statistics, on both shortcuts (Identity2d's per-channel scale, 1x1 conv + BN);
 * replaced forwards are honoured, and the state-dict keys stay PyTorch's.
 */
import { BatchNorm2d, type Module } from '../../lib/nn';
import { ResNetBlock } from '../../lib/models';
import { fromArray, tidy, type Tensor } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { grad } from '../../lib/autograd';
import { rng, TEST_SEED } from '../ops/harness';

const r = rng(TEST_SEED);
const input = (shape: number[]) => fromArray(Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1), shape, { backend: 'cpu' });

function child(m: Module, name: string): Module {
  const found = m.namedChildren().find(([n]) => n === name);
  if (!found) throw new Error(`no child ${name}`);
  return found[1];
}

/** The block run module by module, no fusion: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)). */
function unfused(b: ResNetBlock, x: Tensor): Tensor {
  const [conv1, bn1, conv2, bn2, shortcut] = ['conv1', 'bn1', 'conv2', 'bn2', 'shortcut'].map((n) => child(b, n));
  const y = o.relu(bn1.forward(conv1.forward(x)));
  return o.relu(o.add(bn2.forward(conv2.forward(y)), shortcut.forward(x)));
}

function closeTo(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) {
      throw new Error(`${what} index ${i}: ${actual[i]} vs ${expected[i]} (seed ${TEST_SEED})`);
    }
  }
}

/** Two blocks with the same parameters (the identity scales made non-trivial). */
function twin(fIn: number, fOut: number, downsample: boolean): [ResNetBlock, ResNetBlock] {
  const a = new ResNetBlock(fIn, fOut, downsample);
  for (const [name, p] of a.namedParameters()) {
    if (name === 'shortcut.weight' || name.endsWith('bn2.weight') || name.endsWith('bn2.bias')) p.copy_(input(p.shape.slice()));
  }
  const b = new ResNetBlock(fIn, fOut, downsample);
  b.loadStateDict(a.stateDict());
  return [a, b];
}

describe.each([
  [4, 4, false, [3, 4, 8, 8]],
  [3, 5, true, [2, 3, 9, 7]],
  [2, 2, false, [5, 2, 1, 1]],
] as const)(`ResNetBlock(%d, %d, downsample %s) fused tail (seed ${TEST_SEED})`, (fIn, fOut, down, shape) => {
  test('matches the block run module by module: output, gradients, running statistics', () => {
    tidy(() => {
      const [a, b] = twin(fIn, fOut, down);
      a.train();
      b.train();
      const x = input([...shape]);
      const xa = x.detach().requiresGrad_(), xb = x.detach().requiresGrad_();
      const ya = a.forward(xa), yb = unfused(b, xb);
      closeTo('output', ya.data(), yb.data(), 1e-5);
      const w = input(ya.shape.slice());
      const la = o.sum(o.mul(ya, w)), lb = o.sum(o.mul(yb, w));
      const pa = a.namedParameters(), pb = b.namedParameters();
      const ga = grad(la, [xa, ...pa.map(([, p]) => p)]), gb = grad(lb, [xb, ...pb.map(([, p]) => p)]);
      ['input', ...pa.map(([n]) => n)].forEach((n, i) => closeTo(`gradient of ${n}`, ga[i]!.data(), gb[i]!.data(), 1e-4));
      const ba = a.namedBuffers(), bb = b.namedBuffers();
      ba.forEach(([n, t], i) => closeTo(n, t.data(), bb[i][1].data(), 1e-6));
    });
  });
});

test('the block keeps its state-dict keys (PyTorch names)', () => {
  expect([...new ResNetBlock(4, 4, false).stateDict().keys()]).toEqual([
    'conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked',
    'conv2.weight', 'bn2.weight', 'bn2.bias', 'bn2.running_mean', 'bn2.running_var', 'bn2.num_batches_tracked',
    'shortcut.weight',
  ]);
  expect([...new ResNetBlock(4, 8, true).stateDict().keys()].filter((k) => k.startsWith('shortcut'))).toEqual([
    'shortcut.0.weight', 'shortcut.1.weight', 'shortcut.1.bias', 'shortcut.1.running_mean', 'shortcut.1.running_var', 'shortcut.1.num_batches_tracked',
  ]);
});

test.each(['bn2', 'shortcut'])('a replaced %s forward is the one that runs', (name) => {
  tidy(() => {
    const [a, b] = twin(3, 3, false);
    a.train();
    b.train();
    for (const blk of [a, b]) {
      const m = child(blk, name) as Module & { forward: (x: Tensor) => Tensor };
      const own = m.forward.bind(m);
      m.forward = (x: Tensor) => o.mul(own(x), 3);
    }
    const x = input([2, 3, 5, 5]);
    closeTo('output', a.forward(x).data(), unfused(b, x).data(), 1e-5);
    expect(child(a, 'bn2')).toBeInstanceOf(BatchNorm2d);
  });
});
