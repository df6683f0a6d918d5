/** Shape arithmetic shared by tensors and ops (row-major, NumPy broadcasting). */

/** A shape as printed in error messages: [2, 3]. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Number of elements of a shape (1 for a scalar []). */
export function sizeOf(shape: readonly number[]): number {
  let s = 1;
  for (let i = 0; i < shape.length; i++) s *= shape[i];
  return s;
}

/** Whether two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Row-major strides in elements. */
export function contiguousStrides(shape: readonly number[]): Int32Array {
  const s = new Int32Array(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

/** Checks a shape: non-negative integers. */
export function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape)) throw new TypeError(`${op}: shape must be an array of integers, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`${op}: shape ${formatShape(shape)} must hold non-negative integers`);
  }
}

/** The broadcast shape of a and b (NumPy rules); throws naming the op and both shapes. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast (dimension ${i}: ${da} vs ${db}). ` +
          `Fix: make each trailing dimension equal or 1, e.g. reshape one operand.`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of `shape` as if it had `outShape` (0 on broadcast dimensions). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const rank = outShape.length;
  const s = new Int32Array(rank);
  const off = rank - shape.length;
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d + off] = shape[d] === 1 && outShape[d + off] !== 1 ? 0 : acc;
    acc *= shape[d];
  }
  return s;
}

/** An axis in [0, ndim), accepting negative axes counted from the end. */
export function normalizeAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= Math.max(ndim, 1)) {
    throw new RangeError(`${op}: axis ${axis} is out of range for a tensor of rank ${ndim} (valid: ${-ndim} to ${ndim - 1})`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Resolves a reshape target with at most one -1. */
export function inferShape(op: string, from: readonly number[], to: readonly number[]): number[] {
  const size = sizeOf(from);
  let unknown = -1;
  let known = 1;
  const out = to.slice();
  for (let i = 0; i < out.length; i++) {
    if (out[i] === -1) {
      if (unknown >= 0) throw new RangeError(`${op}: only one dimension can be -1, got ${formatShape(to)}`);
      unknown = i;
    } else if (!Number.isInteger(out[i]) || out[i] < 0) {
      throw new RangeError(`${op}: invalid target shape ${formatShape(to)}`);
    } else known *= out[i];
  }
  if (unknown >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new RangeError(`${op}: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(to)}`);
    }
    out[unknown] = size / known;
  } else if (known !== size) {
    throw new RangeError(
      `${op}: cannot reshape ${formatShape(from)} (${size} elements) to ${formatShape(to)} (${known} elements). Fix: keep the element count, or use -1 for one dimension.`,
    );
  }
  return out;
}
