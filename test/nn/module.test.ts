import { BatchNorm2d, Conv2d, Flatten, Identity, Linear, Module, ParameterArena, ReLU, Sequential } from '../../lib/nn';
import { Tensor } from '../../lib/tensor';

function tinyNet(): Sequential {
  return new Sequential(new Conv2d(2, 3, 3, { padding: 1, seed: 1 }), new BatchNorm2d(3), new ReLU(), new Flatten(), new Linear(3 * 4 * 4, 5, { seed: 2 }));
}

describe('Module', () => {
  test('named parameters and buffers use PyTorch paths, own entries before children', () => {
    const net = tinyNet();
    expect(net.namedParameters().map(([k]) => k)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias', '4.weight', '4.bias']);
    expect(net.namedBuffers().map(([k]) => k)).toEqual(['1.running_mean', '1.running_var', '1.num_batches_tracked']);
    expect(net.namedModules().map(([k]) => k)).toEqual(['', '0', '1', '2', '3', '4']);
    expect(net.children().length).toBe(5);
  });

  test('counts parameters and prunable weights', () => {
    const net = tinyNet();
    expect(net.numParameters()).toBe(2 * 3 * 9 + 3 + 3 + 3 + 48 * 5 + 5);
    expect(net.numPrunable()).toBe(2 * 3 * 9 + 48 * 5);
  });

  test('train() and eval() set the mode recursively', () => {
    const net = tinyNet();
    net.eval();
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
  });

  test('apply visits children before the parent', () => {
    const seen: string[] = [];
    new Sequential(new Identity(), new Sequential(new ReLU())).apply((m) => seen.push(m.constructor.name));
    expect(seen).toEqual(['Identity', 'ReLU', 'Sequential', 'Sequential']);
  });

  test('stateDict round-trips through loadStateDict, in place', () => {
    const a = tinyNet();
    const b = tinyNet();
    const arena = ParameterArena.attach(b);
    const before = arena.values;
    const snapshot = new Map([...a.stateDict()].map(([k, t]) => [k, Float32Array.from(t.data())]));
    (a.stateDict().get('1.running_mean')!.data() as Float32Array).set([1, 2, 3]);
    snapshot.set('1.running_mean', Float32Array.of(1, 2, 3));
    b.loadStateDict(new Map([...a.stateDict()]));
    for (const [k, t] of b.stateDict()) expect([k, Array.from(t.data())]).toEqual([k, Array.from(snapshot.get(k)!)]);
    expect(arena.values).toBe(before);
    // the arena saw the write: parameters are views of it
    expect(arena.values[0]).toBe(a.stateDict().get('0.weight')!.data()[0]);
  });

  test('strict loading names missing and unexpected keys; shapes must match', () => {
    const net = tinyNet();
    const sd = net.stateDict();
    const partial = new Map(sd);
    partial.delete('4.bias');
    partial.set('5.weight', sd.get('4.bias')!);
    expect(() => net.loadStateDict(partial)).toThrow(/missing keys: 4.bias; unexpected keys: 5.weight/);
    expect(net.loadStateDict(partial, { strict: false })).toEqual({ missingKeys: ['4.bias'], unexpectedKeys: ['5.weight'] });
    const wrong = new Map(sd);
    wrong.set('4.bias', Tensor.fromStorage(new Float32Array(4), [4]));
    expect(() => net.loadStateDict(wrong)).toThrow(/'4.bias' has shape \[5\] here, \[4\]/);
  });

  test('a custom module registers parameters through its children', () => {
    class Two extends Module {
      readonly a = this.registerModule('a', new Linear(3, 2, { seed: 5 }));
      readonly b = this.registerModule('b', new Linear(2, 1, { seed: 6, bias: false }));
      override forward(x: Tensor): Tensor {
        return this.b.forward(this.a.forward(x));
      }
    }
    const m = new Two();
    expect([...m.stateDict().keys()]).toEqual(['a.weight', 'a.bias', 'b.weight']);
    const y = m.forward(Tensor.fromStorage(Float32Array.of(1, 2, 3), [1, 3]));
    const wa = m.a.weight.data();
    const wb = m.b.weight.data();
    const h = [0, 1].map((o) => wa[3 * o] * 1 + wa[3 * o + 1] * 2 + wa[3 * o + 2] * 3);
    expect(y.item()).toBeCloseTo(wb[0] * h[0] + wb[1] * h[1], 5);
  });
});
