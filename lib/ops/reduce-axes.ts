import { formatShape, normalizeAxis } from '../tensor/shape';

/** How a reduction over some axes maps onto kernels. */
export interface ReducePlan {
  /** Sorted, unique axes being reduced. */
  axes: number[];
  /** Output shape with the reduced axes kept as 1. */
  keepShape: number[];
  /** Output shape with the reduced axes removed. */
  dropShape: number[];
  /** Product of the reduced dimensions. */
  count: number;
  /** [outer, len, inner] when the axes are one contiguous block, else null. */
  block: [number, number, number] | null;
  /** Otherwise: successive [outer, len, inner] reductions, each over one run of adjacent axes. */
  steps: [number, number, number][] | null;
}

/** Plans a reduction of a tensor of `shape` over `axes` (undefined: all axes). */
export function planReduce(op: string, shape: readonly number[], axes: number | readonly number[] | undefined): ReducePlan {
  const ndim = shape.length;
  let list: number[];
  if (axes === undefined || axes === null) list = shape.map((_, i) => i);
  else list = (typeof axes === 'number' ? [axes] : axes.slice()).map((a) => normalizeAxis(op, a, ndim));
  list = [...new Set(list)].sort((a, b) => a - b);
  if (ndim === 0) list = [];
  const keepShape = shape.slice();
  let count = 1;
  for (const a of list) {
    count *= shape[a];
    keepShape[a] = 1;
  }
  const dropShape = shape.filter((_, i) => !list.includes(i));
  if (list.length === 0) return { axes: list, keepShape, dropShape, count, block: [1, 1, sizeAll(shape)], steps: null };
  const contiguous = list[list.length - 1] - list[0] === list.length - 1;
  if (contiguous) {
    let outer = 1;
    let inner = 1;
    for (let d = 0; d < list[0]; d++) outer *= shape[d];
    for (let d = list[list.length - 1] + 1; d < ndim; d++) inner *= shape[d];
    return { axes: list, keepShape, dropShape, count, block: [outer, count, inner], steps: null };
  }
  // Non-adjacent axes: reduce one contiguous run of axes at a time, last run first, so no
  // permuted copy is needed (e.g. a conv bias gradient: [2, 3] then [0]).
  const steps: [number, number, number][] = [];
  const cur = shape.slice();
  let i = list.length - 1;
  while (i >= 0) {
    let j = i;
    while (j > 0 && list[j - 1] === list[j] - 1) j--;
    let outer = 1;
    let len = 1;
    let inner = 1;
    for (let d = 0; d < list[j]; d++) outer *= cur[d];
    for (let d = list[j]; d <= list[i]; d++) len *= cur[d];
    for (let d = list[i] + 1; d < cur.length; d++) inner *= cur[d];
    steps.push([outer, len, inner]);
    for (let d = list[j]; d <= list[i]; d++) cur[d] = 1;
    i = j - 1;
  }
  return { axes: list, keepShape, dropShape, count, block: null, steps };
}

function sizeAll(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Error text for reductions that need a single axis. */
export function singleAxisError(op: string, shape: readonly number[], axis: unknown): RangeError {
  return new RangeError(`${op}: axis ${String(axis)} must be one integer for a tensor ${formatShape(shape)}`);
}
