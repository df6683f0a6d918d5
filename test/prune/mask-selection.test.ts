import { selectMask } from '../../lib/prune/mask-selection';
import type { PruneSegment } from '../../lib/prune/prunable';

const seg = (key: string, offset: number, length: number, participates = true): PruneSegment => ({ key, shape: [length], offset, length, participates });

describe('selectMask', () => {
  it('keeps exactly round(d N), ties to the lower index', () => {
    const scores = Float32Array.from([1, 3, 3, 3, 0, 2, 3]);
    const mask = new Float32Array(7);
    const kept = selectMask(scores, [seg('a', 0, 7)], 3 / 7, mask, { scope: 'global', current: new Float32Array(7).fill(1) });
    expect(kept).toBe(3);
    expect([...mask]).toEqual([0, 1, 1, 1, 0, 0, 0]);
  });

  it('never resurrects pruned weights, even with the highest scores', () => {
    const scores = Float32Array.from([9, 1, 2, 3]);
    const current = Float32Array.from([0, 1, 1, 1]);
    const mask = new Float32Array(4);
    selectMask(scores, [seg('a', 0, 4)], 0.5, mask, { scope: 'global', current });
    expect([...mask]).toEqual([0, 0, 1, 1]);
  });

  it('lets FORCE regrow pruned weights', () => {
    const scores = Float32Array.from([9, 1, 2, 3]);
    const mask = new Float32Array(4);
    selectMask(scores, [seg('a', 0, 4)], 0.5, mask, { scope: 'global', current: Float32Array.from([0, 1, 1, 1]), regrow: true });
    expect([...mask]).toEqual([1, 0, 0, 1]);
  });

  it('inverts by rank, which works for zero and negative scores', () => {
    const scores = Float32Array.from([0, -2, 5, 0, 1]);
    const mask = new Float32Array(5);
    selectMask(scores, [seg('a', 0, 5)], 0.4, mask, { scope: 'global', current: new Float32Array(5).fill(1), invert: true });
    expect([...mask]).toEqual([1, 1, 0, 0, 0]);
  });

  it('keeps each layer at the density in local scope and leaves non-participating layers dense', () => {
    const scores = Float32Array.from([5, 4, 3, 2, 1, 0, 7, 8, 1, 2]);
    const mask = new Float32Array(10);
    const segments = [seg('a', 0, 4), seg('b', 4, 4), seg('fc', 8, 2, false)];
    const kept = selectMask(scores, segments, 0.5, mask, { scope: 'local', current: new Float32Array(10).fill(1) });
    expect(kept).toBe(4);
    expect([...mask]).toEqual([1, 1, 0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('counts a global target over the participating weights only', () => {
    const scores = Float32Array.from([1, 2, 3, 4, 0, 0]);
    const mask = new Float32Array(6);
    const kept = selectMask(scores, [seg('a', 0, 4), seg('fc', 4, 2, false)], 0.5, mask, { scope: 'global', current: new Float32Array(6).fill(1) });
    expect(kept).toBe(2);
    expect([...mask]).toEqual([0, 0, 1, 1, 1, 1]);
  });

  it('rejects a NaN or infinite score, naming the layer', () => {
    const mask = new Float32Array(2);
    expect(() => selectMask(Float32Array.from([1, NaN]), [seg('layers.0.weight', 0, 2)], 0.5, mask, { scope: 'global', current: Float32Array.from([1, 1]) })).toThrow(
      /layers\.0\.weight.*NaN/,
    );
  });
});
