import { createModel } from '../../lib/models';
import { fanIn } from '../../lib/nn';

function stats(a: Float32Array): { mean: number; std: number } {
  let s = 0;
  for (const v of a) s += v;
  const mean = s / a.length;
  let q = 0;
  for (const v of a) q += (v - mean) ** 2;
  return { mean, std: Math.sqrt(q / a.length) };
}

describe('reference initialization', () => {
  test('conv and linear weights are Kaiming-normal N(0, 2 / fan_in); biases 0; BN weight 1, bias 0', () => {
    const m = createModel('resnet20', { seed: 3 });
    for (const [key, p] of m.namedParameters()) {
      const d = p.data() as Float32Array;
      if (p.prunable) {
        const { mean, std } = stats(d);
        const expected = Math.sqrt(2 / fanIn(p.shape));
        // standard errors: std / sqrt(n) for the mean, std / sqrt(2n) for the std
        expect([key, Math.abs(mean) < (5 * expected) / Math.sqrt(d.length)]).toEqual([key, true]);
        expect([key, Math.abs(std / expected - 1) < 5 / Math.sqrt(2 * d.length)]).toEqual([key, true]);
      } else if (/bn\d?\.weight$|shortcut\.(1\.)?weight$/.test(key)) {
        // batch-norm scales and the identity shortcuts' scales start at 1
        expect([key, d.every((v) => v === 1)]).toEqual([key, true]);
      } else {
        expect([key, d.every((v) => v === 0)]).toEqual([key, true]);
      }
    }
  });

  test('the ResNet identity shortcuts start at 1', () => {
    const m = createModel('resnet20');
    const w = m.stateDict().get('blocks.1.shortcut.weight')!;
    expect(Array.from(w.data())).toEqual(new Array(16).fill(1));
  });

  test('same seed, same weights; another seed, other weights; layers differ from each other', () => {
    const a = createModel('conv', { seed: 11 }).arena.values;
    const b = createModel('conv', { seed: 11 }).arena.values;
    const c = createModel('conv', { seed: 12 }).arena.values;
    expect(Buffer.compare(Buffer.from(a.buffer), Buffer.from(b.buffer))).toBe(0);
    expect(a.some((v, i) => v !== c[i])).toBe(true);
    const m = createModel('fc', { seed: 1 });
    const w3 = m.stateDict().get('3.weight')!.data();
    const w5 = m.stateDict().get('5.weight')!.data();
    expect(w3.some((v, i) => v !== w5[i])).toBe(true);
  });
});
