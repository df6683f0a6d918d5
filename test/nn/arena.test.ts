import { Conv2d, Linear, ParameterArena, ReLU, Sequential, BatchNorm1d, Flatten } from '../../lib/nn';
import { Tensor } from '../../lib/tensor';
import { crossEntropy } from '../../lib/ops';

function net(): Sequential {
  return new Sequential(new Conv2d(1, 2, 3, { seed: 3 }), new ReLU(), new Flatten(), new Linear(2 * 3 * 3, 4, { seed: 4 }), new BatchNorm1d(4), new Linear(4, 3, { seed: 5 }));
}

describe('ParameterArena', () => {
  test('holds every parameter once, prunable weights first, each a zero-copy view', () => {
    const m = net();
    const before = new Map(m.namedParameters().map(([k, p]) => [k, Array.from(p.data())]));
    const arena = ParameterArena.attach(m);
    expect(m.arena).toBe(arena);
    expect(arena.entries.map((e) => e.key)).toEqual(['0.weight', '3.weight', '5.weight', '0.bias', '3.bias', '4.weight', '4.bias', '5.bias']);
    expect(arena.prunableLength).toBe(18 + 72 + 12);
    expect(arena.values.length).toBe(m.numParameters());
    expect(arena.masks.length).toBe(arena.prunableLength);
    let offset = 0;
    for (const e of arena.entries) {
      expect(e.offset).toBe(offset);
      offset += e.length;
      expect(Array.from(e.param.data())).toEqual(before.get(e.key));
      expect(e.param).toBe(m.namedParameters().find(([k]) => k === e.key)![1]);
    }
    arena.values[0] = 42;
    expect(m.namedParameters()[0][1].data()[0]).toBe(42);
    expect(arena.prunableParameters().map((e) => e.key)).toEqual(['0.weight', '3.weight', '5.weight']);
    expect(() => ParameterArena.attach(m)).toThrow(/already has an arena/);
  });

  test('gatherGrads copies gradients into one buffer, zeros for parameters without one', () => {
    const m = net();
    const arena = ParameterArena.attach(m);
    const x = Tensor.fromStorage(Float32Array.from({ length: 2 * 25 }, (_, i) => Math.sin(i)), [2, 1, 5, 5]);
    crossEntropy(m.forward(x), Int32Array.of(0, 2)).backward();
    const g = arena.gatherGrads();
    for (const e of arena.entries) {
      expect(Array.from(g.subarray(e.offset, e.offset + e.length))).toEqual(Array.from(e.param.grad!.data()));
    }
    m.zeroGrad();
    expect(Array.from(arena.gatherGrads()).every((v) => v === 0)).toBe(true);
  });

  test('active masks zero pruned weights, their outputs and their gradients', () => {
    const m = net();
    const arena = ParameterArena.attach(m);
    for (let i = 0; i < arena.prunableLength; i++) arena.masks[i] = i % 2;
    arena.activateMasks();
    expect(arena.masksActive).toBe(true);
    expect(arena.density()).toBeCloseTo(51 / 102, 12);
    for (let i = 0; i < arena.prunableLength; i += 2) expect(arena.values[i]).toBe(0);
    // a pruned weight set back to non-zero still does not count: layers compute with weight * mask
    const x = Tensor.fromStorage(Float32Array.from({ length: 2 * 25 }, (_, i) => Math.cos(i)), [2, 1, 5, 5]);
    m.eval();
    const y0 = Array.from(m.forward(x).data());
    arena.values[0] = 123;
    expect(Array.from(m.forward(x).data())).toEqual(y0);
    m.train();
    crossEntropy(m.forward(x), Int32Array.of(1, 2)).backward();
    const g = arena.gatherGrads();
    for (let i = 0; i < arena.prunableLength; i += 2) expect(g[i] === 0).toBe(true); // -0 counts: exactly zero
    expect(g.subarray(0, arena.prunableLength).some((v) => v !== 0)).toBe(true);
    expect(Array.from(arena.maskOf('5.weight'))).toEqual(Array.from({ length: 12 }, (_, i) => (90 + i) % 2));
  });

  test('applyMasks and density over a large arena (native passes): pruned weights +0, kept ones bit-exact, exact count', () => {
    const m = new Sequential(new Linear(211, 97, { seed: 7 }), new ReLU(), new Linear(97, 13, { seed: 8 }));
    const arena = ParameterArena.attach(m);
    const n = arena.prunableLength;
    expect(n).toBeGreaterThan(1 << 14);
    const before = arena.values.slice();
    let kept = 0;
    for (let i = 0; i < n; i++) {
      arena.masks[i] = (i * 2654435761) % 7 < 3 ? 1 : 0;
      kept += arena.masks[i];
    }
    arena.activateMasks();
    const wrong: number[] = [];
    for (let i = 0; i < n; i++) {
      const ok = arena.masks[i] === 0 ? Object.is(arena.values[i], 0) : arena.values[i] === before[i];
      if (!ok) wrong.push(i);
    }
    expect(wrong).toEqual([]);
    // parameters outside the prunable block are untouched
    expect(Array.from(arena.values.subarray(n))).toEqual(Array.from(before.subarray(n)));
    expect(arena.density()).toBe(kept / n);
  });
});

