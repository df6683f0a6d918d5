import type { BinaryOp, Conv2dGeometry, HostArray, Pool2dGeometry, UnaryOp } from '../backend';
import type { NativeAddon } from '../native-loader';
import { ReferenceBackend } from '../reference';
import { HostMemory } from '../reference/host-memory';

type Fn = (...args: any[]) => any;

/** Same-shape binary ops up to this many elements run as a JS loop (cheaper than the native call). */
const SMALL_FLAT = 256;
type S = HostArray;

/**
 * The cpu backend: float32 kernels run in the native addon (native/BINDINGS.md) when it has
 * them; float64 tensors and kernels the addon lacks fall back to the reference loops, so
 * kernel families can land in any order.
 */
export class CpuBackend extends ReferenceBackend {
  override readonly name = 'cpu' as const;
  private readonly fn: Record<string, Fn | undefined> = {};

  constructor(readonly addon: NativeAddon) {
    // Large arrays on cache-line boundaries, where the addon can say where a buffer lies.
    const probe = addon.addressMod64;
    super(new HostMemory(typeof probe === 'function' ? { addressMod64: (b) => probe.call(addon, b) as number } : {}));
    for (const name of Object.keys(addon)) if (typeof addon[name] === 'function') this.fn[name] = addon[name].bind(addon);
  }

  /** Names of the native functions found in the addon. */
  nativeFunctions(): string[] {
    return Object.keys(this.fn).sort();
  }

  override unary(op: UnaryOp, x: unknown, out: unknown, alpha: number, beta: number): void {
    const f = this.fn.unary;
    if (f !== undefined && x instanceof Float32Array) f(op, x, out, alpha, beta);
    else super.unary(op, x, out, alpha, beta);
  }
  override binary(op: BinaryOp, a: unknown, as: Int32Array, b: unknown, bs: Int32Array, out: unknown, shape: Int32Array): void {
    const f = this.fn.binary;
    // Below a few hundred same-shape elements a JS loop beats the binding's argument checks.
    if (f !== undefined && a instanceof Float32Array && !(shape.length === 1 && shape[0] <= SMALL_FLAT && as[0] === 1 && bs[0] === 1)) {
      f(op, a, as, b, bs, out, shape);
    } else super.binary(op, a, as, b, bs, out, shape);
  }
  override stridedCopy(src: unknown, so: number, ss: Int32Array, dst: unknown, dof: number, ds: Int32Array, shape: Int32Array): void {
    const f = this.fn.stridedCopy;
    if (f !== undefined && src instanceof Float32Array && dst instanceof Float32Array && disjointCopy(src, so, ss, dst, dof, ds, shape)) {
      f(src, so, ss, dst, dof, ds, shape);
    } else super.stridedCopy(src, so, ss, dst, dof, ds, shape);
  }
  override permute(x: unknown, shape: Int32Array, perm: Int32Array, out: unknown): void {
    const f = this.fn.permute;
    if (f !== undefined && x instanceof Float32Array) f(x, shape, perm, out);
    else super.permute(x, shape, perm, out);
  }
  override reduceSum(x: unknown, outer: number, len: number, inner: number, out: unknown): void {
    const f = this.fn.reduceSum;
    if (f !== undefined && x instanceof Float32Array) f(x, outer, len, inner, out);
    else super.reduceSum(x, outer, len, inner, out);
  }
  override reduceMax(x: unknown, outer: number, len: number, inner: number, values: unknown, index: unknown): void {
    const f = this.fn.reduceMax;
    if (f !== undefined && x instanceof Float32Array) f(x, outer, len, inner, values, index);
    else super.reduceMax(x, outer, len, inner, values, index);
  }

  override gemm(
    ta: boolean,
    tb: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: unknown,
    b: unknown,
    beta: number,
    c: unknown,
    batch: number,
    sa: number,
    sb: number,
    sc: number,
  ): void {
    const f = this.fn.sgemm;
    if (f === undefined || !(a instanceof Float32Array)) {
      super.gemm(ta, tb, m, n, k, alpha, a, b, beta, c, batch, sa, sb, sc);
      return;
    }
    const lda = ta ? m : k;
    const ldb = tb ? k : n;
    const A = a as Float32Array;
    const B = b as Float32Array;
    const C = c as Float32Array;
    if (batch === 1) {
      f(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, n, null, null);
      return;
    }
    const la = m * k;
    const lb = k * n;
    const lc = m * n;
    for (let i = 0; i < batch; i++) {
      f(
        ta,
        tb,
        m,
        n,
        k,
        alpha,
        A.subarray(i * sa, i * sa + la),
        lda,
        B.subarray(i * sb, i * sb + lb),
        ldb,
        beta,
        C.subarray(i * sc, i * sc + lc),
        n,
        null,
        null,
      );
    }
  }

  override softmax(x: unknown, rows: number, cols: number, out: unknown): void {
    const f = this.fn.softmax;
    if (f !== undefined && x instanceof Float32Array) f(x, rows, cols, out);
    else super.softmax(x, rows, cols, out);
  }
  override logSoftmax(x: unknown, rows: number, cols: number, out: unknown): void {
    const f = this.fn.logSoftmax;
    if (f !== undefined && x instanceof Float32Array) f(x, rows, cols, out);
    else super.logSoftmax(x, rows, cols, out);
  }
  override softmaxCrossEntropy(logits: unknown, rows: number, cols: number, labels: unknown, loss: unknown, probs: unknown): void {
    const f = this.fn.softmaxCrossEntropy;
    if (f !== undefined && logits instanceof Float32Array) f(logits, rows, cols, labels, loss, probs);
    else super.softmaxCrossEntropy(logits, rows, cols, labels, loss, probs);
  }

  override conv2dForward(x: unknown, w: unknown, bias: unknown, g: Conv2dGeometry, out: unknown): void {
    const f = this.fn.conv2dForward;
    if (f !== undefined && x instanceof Float32Array) {
      f(x, g.n, g.c, g.h, g.w, w, g.o, g.kh, g.kw, bias, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, out);
    } else super.conv2dForward(x, w, bias, g, out);
  }
  override conv2dGradInput(gy: unknown, w: unknown, g: Conv2dGeometry, gx: unknown): void {
    const f = this.fn.conv2dGradInput;
    if (f !== undefined && gy instanceof Float32Array) {
      f(gy, g.n, g.c, g.h, g.w, w, g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, gx);
    } else super.conv2dGradInput(gy, w, g, gx);
  }
  override conv2dGradWeight(x: unknown, gy: unknown, g: Conv2dGeometry, gw: unknown): void {
    const f = this.fn.conv2dGradWeight;
    if (f !== undefined && x instanceof Float32Array) {
      f(x, g.n, g.c, g.h, g.w, gy, g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, gw);
    } else super.conv2dGradWeight(x, gy, g, gw);
  }

  override gemmMasked(
    ta: boolean,
    tb: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: unknown,
    aMask: unknown,
    b: unknown,
    bMask: unknown,
    beta: number,
    c: unknown,
  ): void {
    const f = this.fn.sgemm;
    if (f !== undefined && a instanceof Float32Array) f(ta, tb, m, n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, c, n, aMask, bMask);
    else super.gemmMasked(ta, tb, m, n, k, alpha, a, aMask, b, bMask, beta, c);
  }
  override conv2dMaskedForward(x: unknown, w: unknown, mask: unknown, bias: unknown, g: Conv2dGeometry, out: unknown): void {
    const f = this.fn.conv2dMaskedForward;
    if (f !== undefined && x instanceof Float32Array) {
      f(x, g.n, g.c, g.h, g.w, w, g.o, g.kh, g.kw, bias, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, out, mask);
    } else super.conv2dMaskedForward(x, w, mask, bias, g, out);
  }
  override conv2dMaskedGradInput(gy: unknown, w: unknown, mask: unknown, g: Conv2dGeometry, gx: unknown): void {
    const f = this.fn.conv2dMaskedGradInput;
    if (f !== undefined && gy instanceof Float32Array) {
      f(gy, g.n, g.c, g.h, g.w, w, g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, gx, mask);
    } else super.conv2dMaskedGradInput(gy, w, mask, g, gx);
  }
  override conv2dMaskedGradWeight(x: unknown, gy: unknown, mask: unknown, g: Conv2dGeometry, gw: unknown): void {
    const f = this.fn.conv2dMaskedGradWeight;
    if (f !== undefined && x instanceof Float32Array) {
      f(x, g.n, g.c, g.h, g.w, gy, g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, gw, mask);
    } else super.conv2dMaskedGradWeight(x, gy, mask, g, gw);
  }

  override maxPool2dForward(x: unknown, g: Pool2dGeometry, out: unknown, argmax: unknown): void {
    const f = this.fn.maxPool2dForward;
    if (f !== undefined && x instanceof Float32Array) f(x, g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, out, argmax);
    else super.maxPool2dForward(x, g, out, argmax);
  }
  override maxPool2dBackward(gy: unknown, argmax: unknown, g: Pool2dGeometry, gx: unknown): void {
    const f = this.fn.maxPool2dBackward;
    if (f !== undefined && gy instanceof Float32Array) f(gy, argmax, g.n, g.c, g.h, g.w, g.oh, g.ow, gx);
    else super.maxPool2dBackward(gy, argmax, g, gx);
  }
  override maxPool2dGather(src: unknown, argmax: unknown, g: Pool2dGeometry, out: unknown): void {
    const f = this.fn.maxPool2dGather;
    if (f !== undefined && src instanceof Float32Array) f(src, argmax, g.n, g.c, g.h, g.w, g.oh, g.ow, out);
    else super.maxPool2dGather(src, argmax, g, out);
  }
  override adaptiveAvgPool2dForward(x: unknown, n: number, c: number, h: number, w: number, oh: number, ow: number, out: unknown): void {
    const f = this.fn.adaptiveAvgPool2dForward;
    if (f !== undefined && x instanceof Float32Array) f(x, n, c, h, w, oh, ow, out);
    else super.adaptiveAvgPool2dForward(x, n, c, h, w, oh, ow, out);
  }
  override adaptiveAvgPool2dBackward(gy: unknown, n: number, c: number, h: number, w: number, oh: number, ow: number, gx: unknown): void {
    const f = this.fn.adaptiveAvgPool2dBackward;
    if (f !== undefined && gy instanceof Float32Array) f(gy, n, c, h, w, oh, ow, gx);
    else super.adaptiveAvgPool2dBackward(gy, n, c, h, w, oh, ow, gx);
  }
  override avgPool2dForward(x: unknown, g: Pool2dGeometry, out: unknown): void {
    const f = this.fn.avgPool2dForward;
    if (f !== undefined && x instanceof Float32Array) f(x, g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, out);
    else super.avgPool2dForward(x, g, out);
  }
  override avgPool2dBackward(gy: unknown, g: Pool2dGeometry, gx: unknown): void {
    const f = this.fn.avgPool2dBackward;
    if (f !== undefined && gy instanceof Float32Array) f(gy, g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, gx);
    else super.avgPool2dBackward(gy, g, gx);
  }

  override batchNormTrainForward(
    x: unknown,
    n: number,
    c: number,
    hw: number,
    gamma: unknown,
    beta: unknown,
    eps: number,
    out: unknown,
    mean: unknown,
    invstd: unknown,
  ): void {
    const f = this.fn.batchNormTrainForward;
    if (f !== undefined && x instanceof Float32Array) {
      f(x, n, c, hw, gamma, beta, eps, out, mean, invstd);
    } else super.batchNormTrainForward(x, n, c, hw, gamma, beta, eps, out, mean, invstd);
  }
  override batchNormEvalForward(
    x: unknown,
    n: number,
    c: number,
    hw: number,
    rm: unknown,
    rv: unknown,
    gamma: unknown,
    beta: unknown,
    eps: number,
    out: unknown,
  ): void {
    const f = this.fn.batchNormEvalForward;
    if (f !== undefined && x instanceof Float32Array) f(x, n, c, hw, rm, rv, gamma, beta, eps, out);
    else super.batchNormEvalForward(x, n, c, hw, rm, rv, gamma, beta, eps, out);
  }
  override batchNormBackward(
    gy: unknown,
    x: unknown,
    n: number,
    c: number,
    hw: number,
    mean: unknown,
    invstd: unknown,
    gamma: unknown,
    gx: unknown,
    ggamma: unknown,
    gbeta: unknown,
  ): void {
    const f = this.fn.batchNormBackward;
    if (f !== undefined && x instanceof Float32Array) f(gy, x, n, c, hw, mean, invstd, gamma, gx, ggamma, gbeta);
    else super.batchNormBackward(gy, x, n, c, hw, mean, invstd, gamma, gx, ggamma, gbeta);
  }

  override reluBackward(gy: unknown, out: unknown, gx: unknown, size: number): void {
    const f = this.fn.reluBackward;
    // Small tensors: a JS loop beats the binding's argument checks.
    if (f !== undefined && gy instanceof Float32Array && size > SMALL_FLAT) f(gy, out, gx, size);
    else super.reluBackward(gy, out, gx, size);
  }
  override batchNormReluTrainForward(
    x: unknown,
    n: number,
    c: number,
    hw: number,
    gamma: unknown,
    beta: unknown,
    eps: number,
    out: unknown,
    mean: unknown,
    meanLo: unknown,
    invstd: unknown,
    rowMoments: Float64Array | null = null,
    zeroIn: Uint8Array | null = null,
    zeroOut: Uint8Array | null = null,
  ): void {
    const f = this.fn.batchNormReluTrainForward;
    if (f !== undefined && x instanceof Float32Array) f(x, n, c, hw, gamma, beta, eps, out, mean, meanLo, invstd, rowMoments, zeroIn, zeroOut);
    else super.batchNormReluTrainForward(x, n, c, hw, gamma, beta, eps, out, mean, meanLo, invstd);
  }
  override batchNormReluBackward(
    gy: unknown,
    x: unknown,
    n: number,
    c: number,
    hw: number,
    mean: unknown,
    meanLo: unknown,
    invstd: unknown,
    gamma: unknown,
    beta: unknown,
    gx: unknown,
    ggamma: unknown,
    gbeta: unknown,
    gxSum: unknown = null,
    zeroIn: Uint8Array | null = null,
  ): void {
    const f = this.fn.batchNormReluBackward;
    if (f !== undefined && x instanceof Float32Array) f(gy, x, n, c, hw, mean, meanLo, invstd, gamma, beta, gx, ggamma, gbeta, gxSum, zeroIn);
    else super.batchNormReluBackward(gy, x, n, c, hw, mean, meanLo, invstd, gamma, beta, gx, ggamma, gbeta, gxSum);
  }

  override batchNormReluMaxPoolTrainForward(
    x: unknown,
    n: number,
    c: number,
    h: number,
    w: number,
    gamma: unknown,
    beta: unknown,
    eps: number,
    out: unknown,
    mean: unknown,
    meanLo: unknown,
    invstd: unknown,
    rowMoments: Float64Array | null = null,
    zeroIn: Uint8Array | null = null,
    zeroOut: Uint8Array | null = null,
  ): void {
    const f = this.fn.batchNormReluMaxPoolTrainForward;
    if (f !== undefined && x instanceof Float32Array) f(x, n, c, h, w, gamma, beta, eps, out, mean, meanLo, invstd, rowMoments, zeroIn, zeroOut);
    else super.batchNormReluMaxPoolTrainForward(x, n, c, h, w, gamma, beta, eps, out, mean, meanLo, invstd);
  }
  override batchNormReluMaxPoolBackward(
    gy: unknown,
    x: unknown,
    n: number,
    c: number,
    h: number,
    w: number,
    mean: unknown,
    meanLo: unknown,
    invstd: unknown,
    gamma: unknown,
    beta: unknown,
    gx: unknown,
    ggamma: unknown,
    gbeta: unknown,
    gxSum: unknown = null,
    zeroIn: Uint8Array | null = null,
  ): void {
    const f = this.fn.batchNormReluMaxPoolBackward;
    if (f !== undefined && x instanceof Float32Array) f(gy, x, n, c, h, w, mean, meanLo, invstd, gamma, beta, gx, ggamma, gbeta, gxSum, zeroIn);
    else super.batchNormReluMaxPoolBackward(gy, x, n, c, h, w, mean, meanLo, invstd, gamma, beta, gx, ggamma, gbeta, gxSum);
  }

  override batchNormAddReluTrainForward(z: unknown, r: unknown, scale: unknown, n: number, c: number, hw: number, gamma: unknown, beta: unknown, eps: number, out: unknown, mean: unknown, meanLo: unknown, invstd: unknown): void {
    const f = this.fn.batchNormAddReluTrainForward;
    if (f !== undefined && z instanceof Float32Array) f(z, r, scale, n, c, hw, gamma, beta, eps, out, mean, meanLo, invstd);
    else super.batchNormAddReluTrainForward(z, r, scale, n, c, hw, gamma, beta, eps, out, mean, meanLo, invstd);
  }
  override batchNormAddReluBackward(gy: unknown, out: unknown, z: unknown, r: unknown, scale: unknown, n: number, c: number, hw: number, mean: unknown, meanLo: unknown, invstd: unknown, gamma: unknown, gz: unknown, gr: unknown, ggamma: unknown, gbeta: unknown, gscale: unknown): void {
    const f = this.fn.batchNormAddReluBackward;
    if (f !== undefined && z instanceof Float32Array) f(gy, out, z, r, scale, n, c, hw, mean, meanLo, invstd, gamma, gz, gr, ggamma, gbeta, gscale);
    else super.batchNormAddReluBackward(gy, out, z, r, scale, n, c, hw, mean, meanLo, invstd, gamma, gz, gr, ggamma, gbeta, gscale);
  }

  override philoxUniform(seedLo: number, seedHi: number, offset: number, out: unknown): void {
    const f = this.fn.philoxUniform;
    if (f !== undefined && out instanceof Float32Array) f(seedLo, seedHi, offset, out);
    else super.philoxUniform(seedLo, seedHi, offset, out);
  }
  override philoxNormal(seedLo: number, seedHi: number, offset: number, mean: number, std: number, out: unknown): void {
    const f = this.fn.philoxNormal;
    if (f !== undefined && out instanceof Float32Array) f(seedLo, seedHi, offset, mean, std, out);
    else super.philoxNormal(seedLo, seedHi, offset, mean, std, out);
  }
}

/**
 * Whether the native strided copy applies: enough elements to pay for the call,
 * non-negative strides (the binding's contract), and src's and dst's touched extents in
 * different memory (views of one buffer may overlap, where only the reference's element
 * order defines the result).
 */
function disjointCopy(src: Float32Array, so: number, ss: Int32Array, dst: Float32Array, dof: number, ds: Int32Array, shape: Int32Array): boolean {
  let total = 1;
  let srcLast = so;
  let dstLast = dof;
  for (let d = 0; d < shape.length; d++) {
    if (ss[d] < 0 || ds[d] < 0) return false;
    total *= shape[d];
    srcLast += (shape[d] - 1) * ss[d];
    dstLast += (shape[d] - 1) * ds[d];
  }
  if (total <= SMALL_FLAT) return false;
  if (src.buffer !== dst.buffer) return true;
  const s0 = src.byteOffset + so * 4;
  const s1 = src.byteOffset + (srcLast + 1) * 4;
  const d0 = dst.byteOffset + dof * 4;
  const d1 = dst.byteOffset + (dstLast + 1) * 4;
  return s1 <= d0 || d1 <= s0;
}
