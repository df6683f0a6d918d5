/**
 * The layout of what an optimizer updates over a parameter arena (lib/nn/arena.ts): the
 * prunable runs between compressed weights, the block of compressed survivors, then the
 * unprunable parameters. Optimizer state lives in this layout; checkpoints store it in
 * arena layout, which does not depend on which layers run compressed.
 */
import type { ArenaEntry } from './arena';
import type { CompressedBlock } from './compressed-block';

/** A run of the arena [from, to) (masked: in the prunable block), or the compressed block. */
export type Run = { from: number; to: number; masked: boolean } | 'block';

/**
 * The runs of an arena of `total` values whose prunable block is [0, prunableLength): each
 * prunable run between compressed entries (masked), the compressed block when it holds
 * survivors, then the unprunable rest.
 */
export function optimizerRuns(prunable: readonly ArenaEntry[], prunableLength: number, total: number, block: CompressedBlock | null): Run[] {
  const runs: Run[] = [];
  const run = (from: number, to: number, masked: boolean): void => {
    if (to > from) runs.push({ from, to, masked });
  };
  let start = 0;
  for (const e of prunable) {
    if (!e.param.compressed) continue;
    run(start, e.offset, true);
    start = e.offset + e.length;
  }
  run(start, prunableLength, true);
  if (block && block.values.length > 0) runs.push('block');
  run(prunableLength, total, false);
  return runs;
}

/** Conversions between segment layout (the runs in order) and arena layout (`total` values). */
export class SegmentLayout {
  constructor(
    private readonly runs: readonly Run[],
    private readonly block: CompressedBlock | null,
    private readonly total: number,
  ) {}

  private runLength(r: Run): number {
    return r === 'block' ? this.block!.values.length : r.to - r.from;
  }

  /** Elements in segment layout: the size of an optimizer's state buffers. */
  get length(): number {
    return this.runs.reduce((s, r) => s + this.runLength(r), 0);
  }

  /** A segment-layout array as an arena-layout one (zeros at pruned entries of compressed weights). */
  toArena(state: Float32Array): Float32Array {
    const out = new Float32Array(this.total);
    this.forEachRun(state, (part, denseFrom) => (denseFrom === null ? this.block!.scatter(part, out) : out.set(part, denseFrom)));
    return out;
  }

  /** The inverse of {@link toArena}: the survivors and dense runs of an arena-layout array. */
  fromArena(dense: Float32Array): Float32Array {
    if (dense.length !== this.total) throw new RangeError(`fromArenaLayout: ${dense.length} elements, the arena has ${this.total}`);
    const out = new Float32Array(this.length);
    this.forEachRun(out, (part, denseFrom) => (denseFrom === null ? this.block!.gather(dense, part) : part.set(dense.subarray(denseFrom, denseFrom + part.length))));
    return out;
  }

  private forEachRun(state: Float32Array, fn: (part: Float32Array, denseFrom: number | null) => void): void {
    let at = 0;
    for (const r of this.runs) {
      const n = this.runLength(r);
      fn(state.subarray(at, at + n), r === 'block' ? null : r.from);
      at += n;
    }
  }
}
