import { UserError } from '../../lib/cli/errors';
import { parseNumberList, resolveTarget, resolveTargets } from '../../lib/cli/target';

describe('one target from --compression, --density or --sparsity', () => {
  test('each word gives the same target in all three', () => {
    const c = resolveTarget({ compression: '2' })!;
    expect(c.density).toBeCloseTo(0.01, 15);
    expect(c.sparsity).toBeCloseTo(0.99, 15);
    expect(c.compression).toBe(2);
    const d = resolveTarget({ density: '0.01' })!;
    expect(d.compression).toBeCloseTo(2, 12);
    const s = resolveTarget({ sparsity: '0.99' })!;
    expect(s.density).toBeCloseTo(0.01, 12);
    expect(s.compression).toBeCloseTo(2, 10);
    expect(resolveTarget({ compression: '0' })).toEqual({ density: 1, sparsity: 0, compression: 0 });
    expect(resolveTarget({ density: '1' })!.compression).toBe(0);
    expect(resolveTarget({ compression: '1.5' })!.density).toBeCloseTo(Math.pow(10, -1.5), 15);
  });

  test.each([
    [{ compression: '1', density: '0.1' }, /only one of/],
    [{ density: '0.1', sparsity: '0.9' }, /only one of/],
    [{}, /no pruning target/],
    [{ compression: 'abc' }, /must be a number/],
    [{ compression: '' }, /must be a number/],
    [{ compression: '-0.5' }, />= 0/],
    [{ compression: 'Infinity' }, /must be a number/],
    [{ density: '0' }, /\(0, 1\]/],
    [{ density: '1.5' }, /\(0, 1\]/],
    [{ sparsity: '1' }, /\[0, 1\)/],
    [{ sparsity: '-0.1' }, /\[0, 1\)/],
  ])('%j is a user error', (flags, message) => {
    expect(() => resolveTarget(flags)).toThrow(UserError);
    expect(() => resolveTarget(flags)).toThrow(message);
  });

  test('a user error carries a hint', () => {
    try {
      resolveTarget({ density: '2' });
      throw new Error('no throw');
    } catch (e) {
      expect((e as UserError).hint).toMatch(/fraction/);
    }
  });

  test('optional targets may be absent', () => {
    expect(resolveTarget({}, { required: false })).toBeNull();
  });
});

describe('target grids', () => {
  test('lists and inclusive ranges', () => {
    expect(parseNumberList('--x', '1, 2,3')).toEqual([1, 2, 3]);
    expect(parseNumberList('--x', '0:6:0.25')).toHaveLength(25);
    expect(parseNumberList('--x', '0:6:0.25').at(-1)).toBe(6);
    expect(parseNumberList('--x', '0.5:3:0.5')).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
    expect(parseNumberList('--x', '0.1:0.3:0.1')).toEqual([0.1, 0.2, 0.3]);
  });

  test.each(['1,,2', 'a', '1:2', '3:1:1', '0:1:0', '0:1:-1', '0:1e9:1e-3'])('rejects %s', (raw) => {
    expect(() => parseNumberList('--x', raw)).toThrow(UserError);
  });

  test('grids in each word, checked like single targets', () => {
    expect(resolveTargets({ compressions: '1,2' }).map((t) => t.density)).toEqual([0.1, 0.01]);
    expect(resolveTargets({ densities: '0.5,0.25' }).map((t) => t.sparsity)).toEqual([0.5, 0.75]);
    expect(resolveTargets({}, '0:1:1').map((t) => t.compression)).toEqual([0, 1]);
    expect(() => resolveTargets({ compressions: '1', densities: '0.1' })).toThrow(/only one of/);
    expect(() => resolveTargets({ sparsities: '0.5,1' })).toThrow(/\[0, 1\)/);
    expect(() => resolveTargets({})).toThrow(/no pruning targets/);
  });
});
