import { Linear, ParameterArena, Sequential } from '../../lib/nn';
import { Adam, AdamW, SGD, createOptimizer } from '../../lib/train';
import { Tensor } from '../../lib/tensor';
import { crossEntropy } from '../../lib/ops';

function model(): Sequential {
  const m = new Sequential(new Linear(3, 4, { seed: 1 }), new Linear(4, 2, { seed: 2 }));
  ParameterArena.attach(m);
  return m;
}

function backward(m: Sequential): void {
  const x = Tensor.fromStorage(Float32Array.of(0.5, -1, 2, 1, 0.25, -0.5), [2, 3]);
  crossEntropy(m.forward(x), Int32Array.of(1, 0)).backward();
}

describe('optimizers over the arena', () => {
  test('SGD.step applies p -= lr (g + wd p) to every parameter, prunable block and rest', () => {
    const m = model();
    const before = m.arena!.values.slice();
    const opt = new SGD(m, { lr: 0.1, weightDecay: 0.01 });
    backward(m);
    const grads = m.arena!.entries.flatMap((e) => Array.from(e.param.grad!.data()).map((g, i) => [e.offset + i, g] as const));
    opt.step();
    for (const [i, g] of grads) expect(m.arena!.values[i]).toBeCloseTo(before[i] - 0.1 * (g + 0.01 * before[i]), 6);
    opt.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
    expect(opt.stepCount).toBe(1);
  });

  test('state() and loadState() carry momentum and step count', () => {
    const a = model();
    const b = model();
    const oa = new SGD(a, { lr: 0.1, momentum: 0.9 });
    backward(a);
    oa.step();
    oa.zeroGrad();
    const s = oa.state();
    expect(s.step).toBe(1);
    expect(s.buffers.momentum.length).toBe(a.arena!.values.length);
    const ob = new SGD(b, { lr: 0.1, momentum: 0.9 });
    ob.loadState(s);
    b.loadStateDict(a.stateDict());
    for (const [m, o] of [[a, oa], [b, ob]] as const) {
      backward(m);
      o.step();
    }
    expect(Array.from(b.arena!.values)).toEqual(Array.from(a.arena!.values));
    const adam = new Adam(model(), { lr: 1e-3 });
    expect(() => adam.loadState({ step: 1, buffers: {} })).toThrow(/no 'exp_avg' buffer/);
  });

  test('configs: defaults, validation and the factory', () => {
    expect(new AdamW(model(), { lr: 1e-3 }).config).toEqual({ kind: 'adamw', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
    expect(new Adam(model(), { lr: 1e-3 }).config.weightDecay).toBe(0);
    expect(createOptimizer(model(), { kind: 'sgd', lr: 0.1 })).toBeInstanceOf(SGD);
    expect(() => new SGD(model(), { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires momentum > 0/);
    expect(() => new SGD(model(), { lr: -1 })).toThrow(/lr must be/);
    expect(() => new Adam(model(), { lr: 1, betas: [1, 0.9] })).toThrow(/beta1/);
    expect(() => new SGD(new Sequential(new Linear(2, 2)), { lr: 0.1 })).toThrow(/no parameter arena/);
    expect(() => createOptimizer(model(), { kind: 'rmsprop' } as never)).toThrow(/unknown kind 'rmsprop'/);
  });
});
