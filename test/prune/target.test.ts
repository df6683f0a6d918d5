import { targetDensity, keepCount, compressionToDensity, densityToCompression } from '../../lib/prune/target';
import { scheduledDensity } from '../../lib/prune/schedule';

describe('pruning targets', () => {
  it('converts the three vocabularies to one density', () => {
    expect(targetDensity({ density: 0.05 })).toBe(0.05);
    expect(targetDensity({ sparsity: 0.9 })).toBeCloseTo(0.1, 15);
    expect(targetDensity({ compression: 2 })).toBeCloseTo(0.01, 15);
    expect(densityToCompression(compressionToDensity(1.5))).toBeCloseTo(1.5, 12);
  });

  it('rejects ambiguous or out-of-range targets with the option named', () => {
    expect(() => targetDensity({ density: 0.1, sparsity: 0.9 } as never)).toThrow(/exactly one of density, sparsity or compression/);
    expect(() => targetDensity({ density: 0 })).toThrow(/density must be in \(0, 1\]/);
    expect(() => targetDensity({ sparsity: 1 })).toThrow(/sparsity must be in \[0, 1\)/);
    expect(() => targetDensity({ compression: -1 })).toThrow(/compression must be >= 0/);
    expect(() => targetDensity({ density: NaN })).toThrow(/finite number/);
  });

  it('keeps round(d N) weights', () => {
    expect(keepCount(0.5, 7)).toBe(4);
    expect(keepCount(1e-6, 14_761_664)).toBe(15);
    expect(keepCount(1, 10)).toBe(10);
  });

  it('follows the reference schedules and lands on the target', () => {
    expect(scheduledDensity('exponential', 0.01, 1, 2)).toBeCloseTo(0.1, 12);
    expect(scheduledDensity('exponential', 0.01, 2, 2)).toBe(0.01);
    expect(scheduledDensity('linear', 0.2, 1, 4)).toBeCloseTo(0.8, 12);
    expect(() => scheduledDensity('linear', 0.2, 5, 4)).toThrow(/outside 1..4/);
  });
});
