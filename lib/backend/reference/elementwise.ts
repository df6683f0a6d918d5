import type { BinaryOp, HostArray, UnaryOp } from '../backend';

// Module constants, not Math.x / Infinity in the loops: under a vm context (jest) every
// global lookup is a slow property access on the context's global object.
const { abs, exp, log, sqrt, pow } = Math;

/** Reference unary kernel: out[i] = op(x[i]); out may alias x. */
export function unary(op: UnaryOp, x: HostArray, out: HostArray, alpha: number, beta: number): void {
  const n = x.length;
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      return;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = abs(x[i]);
      return;
    case 'sign':
      for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? 1 : x[i] < 0 ? -1 : 0;
      return;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = exp(x[i]);
      return;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = log(x[i]);
      return;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = sqrt(x[i]);
      return;
    case 'relu':
      // NaN stays NaN (PyTorch): only values known to be <= 0 become 0.
      for (let i = 0; i < n; i++) out[i] = x[i] <= 0 ? 0 : x[i];
      return;
    case 'step':
      for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? 1 : 0;
      return;
    case 'square':
      for (let i = 0; i < n; i++) out[i] = x[i] * x[i];
      return;
    case 'pow':
      for (let i = 0; i < n; i++) out[i] = pow(x[i], alpha);
      return;
    case 'clamp':
      for (let i = 0; i < n; i++) out[i] = x[i] < alpha ? alpha : x[i] > beta ? beta : x[i];
      return;
    case 'affine':
      for (let i = 0; i < n; i++) out[i] = alpha * x[i] + beta;
      return;
    case 'rsqrt':
      for (let i = 0; i < n; i++) out[i] = 1 / sqrt(x[i]);
      return;
    default:
      throw new RangeError(`unary: unknown op '${op as string}'`);
  }
}

/** The scalar function of a binary op. */
export function binaryFn(op: BinaryOp): (a: number, b: number) => number {
  switch (op) {
    case 'add':
      return (a, b) => a + b;
    case 'sub':
      return (a, b) => a - b;
    case 'mul':
      return (a, b) => a * b;
    case 'div':
      return (a, b) => a / b;
    case 'pow':
      return pow;
    case 'max':
      return (a, b) => (a !== a || a >= b ? a : b); // NaN propagates, like torch.maximum
    case 'min':
      return (a, b) => (a !== a || a <= b ? a : b);
    case 'gt':
      return (a, b) => (a > b ? 1 : 0);
    case 'ge':
      return (a, b) => (a >= b ? 1 : 0);
    case 'lt':
      return (a, b) => (a < b ? 1 : 0);
    case 'le':
      return (a, b) => (a <= b ? 1 : 0);
    case 'eq':
      return (a, b) => (a === b ? 1 : 0);
    default:
      throw new RangeError(`binary: unknown op '${op as string}'`);
  }
}

/**
 * Calls body(outIndex, offsets...) over every index of shape in row-major order, with the
 * offsets of each operand advanced by its strides. The innermost dimension is a plain loop.
 */
function forEachStrided(
  shape: Int32Array,
  strides: Int32Array[],
  base: number[],
  inner: (count: number, offsets: number[], innerStrides: number[]) => void,
): void {
  const rank = shape.length;
  let total = 1;
  for (let d = 0; d < rank; d++) total *= shape[d];
  if (total === 0) return;
  const k = strides.length;
  const offsets = base.slice();
  if (rank === 0) {
    inner(1, offsets, new Array(k).fill(0));
    return;
  }
  const last = shape[rank - 1];
  const innerStrides = strides.map((s) => s[rank - 1]);
  const counter = new Int32Array(rank);
  const rows = total / last;
  for (let r = 0; r < rows; r++) {
    inner(last, offsets, innerStrides);
    // Advance the outer counter (odometer) and the operand offsets with it.
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]++;
      for (let j = 0; j < k; j++) offsets[j] += strides[j][d];
      if (counter[d] < shape[d]) break;
      for (let j = 0; j < k; j++) offsets[j] -= strides[j][d] * shape[d];
      counter[d] = 0;
    }
  }
}

/** Row-major contiguous strides of a shape. */
function contiguous(shape: Int32Array): Int32Array {
  const s = new Int32Array(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

function sameStrides(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** @internal Same-shape binary op with the common arithmetic specialized (one monomorphic loop each). */
export function binaryFlat(op: BinaryOp, a: HostArray, b: HostArray, out: HostArray, n: number): void {
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
      return;
    case 'sub':
      for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
      return;
    case 'mul':
      for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
      return;
    case 'div':
      for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
      return;
    default: {
      const f = binaryFn(op);
      for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    }
  }
}

/** Reference broadcasting binary kernel (see Backend.binary). */
export function binary(
  op: BinaryOp,
  a: HostArray,
  aStrides: Int32Array,
  b: HostArray,
  bStrides: Int32Array,
  out: HostArray,
  outShape: Int32Array,
): void {
  if (outShape.length === 1 && aStrides[0] === 1 && bStrides[0] === 1) {
    binaryFlat(op, a, b, out, outShape[0]);
    return;
  }
  const cs = contiguous(outShape);
  if (sameStrides(aStrides, cs) && sameStrides(bStrides, cs)) {
    binaryFlat(op, a, b, out, out.length);
    return;
  }
  const f = binaryFn(op);
  let o = 0;
  forEachStrided(outShape, [aStrides, bStrides], [0, 0], (count, off, st) => {
    let ia = off[0];
    let ib = off[1];
    for (let i = 0; i < count; i++, ia += st[0], ib += st[1]) out[o++] = f(a[ia], b[ib]);
  });
}

/** Reference broadcasting select: out = cond != 0 ? a : b. */
export function where(
  cond: HostArray,
  condStrides: Int32Array,
  a: HostArray,
  aStrides: Int32Array,
  b: HostArray,
  bStrides: Int32Array,
  out: HostArray,
  outShape: Int32Array,
): void {
  let o = 0;
  forEachStrided(outShape, [condStrides, aStrides, bStrides], [0, 0, 0], (count, off, st) => {
    let ic = off[0];
    let ia = off[1];
    let ib = off[2];
    for (let i = 0; i < count; i++, ic += st[0], ia += st[1], ib += st[2]) out[o++] = cond[ic] !== 0 ? a[ia] : b[ib];
  });
}

/** Reference strided copy (see Backend.stridedCopy). */
export function stridedCopy(
  src: HostArray,
  srcOffset: number,
  srcStrides: Int32Array,
  dst: HostArray,
  dstOffset: number,
  dstStrides: Int32Array,
  shape: Int32Array,
): void {
  forEachStrided(shape, [srcStrides, dstStrides], [srcOffset, dstOffset], (count, off, st) => {
    let is = off[0];
    let id = off[1];
    const ss = st[0];
    const sd = st[1];
    for (let i = 0; i < count; i++, is += ss, id += sd) dst[id] = src[is];
  });
}

/** Reference permutation: out.shape[i] = shape[perm[i]]. */
export function permute(x: HostArray, shape: Int32Array, perm: Int32Array, out: HostArray): void {
  const inStrides = contiguous(shape);
  const rank = shape.length;
  const outShape = new Int32Array(rank);
  const srcStrides = new Int32Array(rank);
  for (let i = 0; i < rank; i++) {
    outShape[i] = shape[perm[i]];
    srcStrides[i] = inStrides[perm[i]];
  }
  stridedCopy(x, 0, srcStrides, out, 0, contiguous(outShape), outShape);
}
