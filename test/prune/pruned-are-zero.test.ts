// From the second iteration on, the pruning loop tells pruned weights from live ones by the
// weight itself (exactly 0 if and only if pruned) instead of reading the masks, once it has
// checked that no live weight is exactly 0. The masks must be the same as with the masks read.
import { getPruner, pruneModel, type Pruner, type ScoreContext } from '../../lib/prune';
import { smallModel, pruningData } from './fixtures';

/** The same pruner with the loop's shortcut turned off, so every scoring pass reads the masks. */
function readingMasks(name: string, seen: boolean[]): Pruner {
  const p = getPruner(name);
  return {
    ...p,
    score(ctx: ScoreContext) {
      seen.push(ctx.prunedAreZero === true);
      ctx.prunedAreZero = false;
      return p.score(ctx);
    },
  };
}

async function masksOf(name: string, pruner: string | Pruner, liveZeros: number): Promise<{ mask: Float32Array; survivors: number; shortcut: boolean[] }> {
  const model = smallModel(name === 'synflow' || name === 'mag' ? 'resnet20' : 'conv');
  const v = model.arena.prunableValues;
  for (let j = 0; j < liveZeros; j++) v[(j * 7919) % v.length] = 0;
  const shortcut: boolean[] = [];
  const observed = typeof pruner === 'string' ? { ...getPruner(pruner), score: (ctx: ScoreContext) => (shortcut.push(ctx.prunedAreZero === true), getPruner(pruner).score(ctx)) } : pruner;
  const out = await pruneModel(model, { pruner: observed, target: { density: 0.2 }, iterations: 4, data: pruningData(model), seed: 2 });
  return { mask: model.arena.masks.slice(), survivors: out.survivors, shortcut };
}

describe('pruning loop: pruned weights are their own mask', () => {
  for (const name of ['synflow', 'mag', 'snip', 'iter-snip']) {
    it(`${name}: the same masks as when every pass reads the masks`, async () => {
      const fast = await masksOf(name, name, 0);
      const seen: boolean[] = [];
      const slow = await masksOf(name, readingMasks(name, seen), 0);
      expect(fast.shortcut).toEqual([false, true, true, true]);
      expect(seen).toEqual([false, true, false, false]); // turned off from the second pass on
      expect(fast.survivors).toBe(slow.survivors);
      expect(Buffer.from(fast.mask.buffer).equals(Buffer.from(slow.mask.buffer))).toBe(true);
    });
  }

  it('a live weight that is exactly 0 after the first selection keeps the masks read', async () => {
    // rand keeps some of the zero weights at the first iteration (mag or snip would drop them first).
    const r = await masksOf('rand', 'rand', 50);
    expect(r.shortcut).toEqual([false, false, false, false]);
    const seen: boolean[] = [];
    const slow = await masksOf('rand', readingMasks('rand', seen), 50);
    expect(Buffer.from(r.mask.buffer).equals(Buffer.from(slow.mask.buffer))).toBe(true);
    expect(r.survivors).toBe(slow.survivors);
  });
});
