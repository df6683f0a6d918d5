import { Conv2d, Flatten, Linear, ParameterArena, ReLU, Sequential, maskExecution, setMaskExecution, type MaskExecution } from '../../lib/nn';
import { Tensor, fromArray, tidy } from '../../lib/tensor';
import { add, crossEntropy, mul, sum } from '../../lib/ops';
import { getBackend } from '../../lib/backend';

// Weight sizes (3*2*3*3 = 54, 5*48 = 240, 4*5 = 20) differ from every activation size, so a
// weight-sized 'mul' in the kernels' log can only be weight * mask or its gradient.
function net(): Sequential {
  return new Sequential(new Conv2d(2, 3, 3, { seed: 11 }), new ReLU(), new Flatten(), new Linear(3 * 4 * 4, 5, { seed: 12 }), new ReLU(), new Linear(5, 4, { seed: 13 }));
}

const X = Float32Array.from({ length: 2 * 2 * 6 * 6 }, (_, i) => Math.sin(0.7 * i + 1));
const LABELS = Int32Array.of(1, 3);

function prunedNet(): { model: Sequential; arena: ParameterArena } {
  const model = net();
  const arena = ParameterArena.attach(model);
  for (let i = 0; i < arena.prunableLength; i++) arena.masks[i] = (i * 7) % 3 === 0 ? 0 : 1;
  arena.activateMasks();
  return { model, arena };
}

/** Loss and the prunable gradient block after one forward/backward in the given mode. */
function step(mode: MaskExecution, model: Sequential, arena: ParameterArena): { loss: number; grads: Float32Array } {
  const previous = setMaskExecution(mode);
  try {
    model.zeroGrad();
    const loss = tidy(() => {
      const l = crossEntropy(model.forward(Tensor.fromStorage(X, [2, 2, 6, 6])), LABELS);
      l.backward();
      return l.item();
    });
    return { loss, grads: arena.gatherGrads().slice(0, arena.prunableLength) };
  } finally {
    setMaskExecution(previous);
  }
}

describe('masked layers', () => {
  test('fused and multiply modes give the same loss and the same masked gradients', () => {
    const { model, arena } = prunedNet();
    // A pruned weight set back to non-zero must not count in either mode.
    arena.values[0] = 5;
    const fused = step('fused', model, arena);
    const multiply = step('multiply', model, arena);
    expect(fused.loss).toBeCloseTo(multiply.loss, 5);
    for (let i = 0; i < arena.prunableLength; i++) {
      expect(Math.abs(fused.grads[i] - multiply.grads[i])).toBeLessThan(1e-5 * (1 + Math.abs(multiply.grads[i])));
      if (arena.masks[i] === 0) expect(fused.grads[i] === 0).toBe(true);
    }
    expect(fused.grads.some((v) => v !== 0)).toBe(true);
    expect(maskExecution()).toBe('fused');
  });

  test('the fused path forms no weight * mask and the gradient hook adds no pass', () => {
    const { model, arena } = prunedNet();
    const be = getBackend();
    const weightSizes = new Set(arena.prunableParameters().map((e) => e.length));
    const muls = (mode: MaskExecution): number => {
      const spy = jest.spyOn(be, 'binary');
      try {
        step(mode, model, arena);
        return spy.mock.calls.filter(([op, , , , , , shape]) => op === 'mul' && weightSizes.has(shape.reduce((a, b) => a * b, 1))).length;
      } finally {
        spy.mockRestore();
      }
    };
    // multiply mode: per masked weight, weight * mask, the mul's backward and the hook
    expect(muls('multiply')).toBeGreaterThanOrEqual(3 * weightSizes.size);
    // fused: only the linear weight gradients (a GEMM has no output mask) are masked after the product
    expect(muls('fused')).toBe(2);
  });

  test('a differentiable mask (Gem-Miner scores) falls back to weight * mask and receives its gradient', () => {
    const { model, arena } = prunedNet();
    const e = arena.prunableParameters()[2];
    const saved = e.param.mask;
    const scores = fromArray(new Float32Array(e.length).fill(0.25), e.param.shape).requiresGrad_();
    const offset = fromArray(new Float32Array(e.length).fill(0.75), e.param.shape);
    try {
      tidy(() => {
        e.param.mask = add(scores, offset);
        crossEntropy(model.forward(Tensor.fromStorage(X, [2, 2, 6, 6])), LABELS).backward();
      });
      expect(scores.grad).not.toBeNull();
      expect(Array.from(scores.grad!.data()).some((v) => v !== 0)).toBe(true);
    } finally {
      e.param.mask = saved;
    }
  });

  test('a parameter whose mask is detached (SynFlow) computes unmasked', () => {
    const { model, arena } = prunedNet();
    const p = arena.prunableParameters()[0].param;
    const saved = p.mask;
    arena.values[0] = 5; // pruned, but with the mask detached it counts
    const masked = step('fused', model, arena).loss;
    p.mask = null;
    const unmasked = step('fused', model, arena);
    p.mask = saved;
    expect(unmasked.loss).not.toBeCloseTo(masked, 3);
    expect(unmasked.grads[0]).not.toBe(0);
  });

  test('setMaskExecution rejects an unknown mode', () => {
    expect(() => setMaskExecution('sparse' as never)).toThrow(/setMaskExecution: mode must be 'fused' or 'multiply'/);
  });

  test('a weight used outside its layer still has its gradient masked by the hook in multiply mode', () => {
    const { arena } = prunedNet();
    const p = arena.prunableParameters()[1].param;
    const previous = setMaskExecution('multiply');
    try {
      tidy(() => sum(mul(p, p)).backward());
      const g = p.grad!.data();
      const m = p.mask!.data();
      for (let i = 0; i < g.length; i++) if (m[i] === 0) expect(g[i] === 0).toBe(true);
    } finally {
      setMaskExecution(previous);
    }
  });
});
