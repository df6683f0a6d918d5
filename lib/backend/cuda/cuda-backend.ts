import type { Backend, BinaryOp, Conv2dGeometry, DType, HostArray, Pool2dGeometry, UnaryOp } from '../backend';
import type { AdamStepConfig, OptimizerKernelSet, SgdStepConfig } from '../optimizer';
import type { CudaAddon, DeviceBuffer } from './addon';
import { CudaSparseKernels } from './sparse';

type Buf = DeviceBuffer;

/**
 * An int32 storage on the GPU. Index storages made from host arrays (labels) keep that host
 * copy, so label checks need no device-to-host read; kernels that write indices drop it.
 */
export class CudaIndex {
  constructor(
    readonly buffer: DeviceBuffer,
    readonly size: number,
    public host: Int32Array | null,
  ) {}
}

function ix(s: unknown): CudaIndex {
  return s as CudaIndex;
}

function buf(s: unknown): Buf {
  return s as Buf;
}

function optBuf(s: unknown): Buf | null {
  return s === null || s === undefined ? null : (s as Buf);
}

/** Leading dimensions of row-major op(A) [m, k], op(B) [k, n] and C [m, n] (at least 1, as the addon checks). */
function leadingDims(ta: boolean, tb: boolean, m: number, n: number, k: number): [number, number, number] {
  return [Math.max(1, ta ? m : k), Math.max(1, tb ? k : n), Math.max(1, n)];
}

function float32(dtype: DType, op: string): void {
  if (dtype !== 'float32') throw new TypeError(`${op}: the cuda backend holds float32 only, got ${dtype}. Fix: use float32 tensors on cuda.`);
}

/**
 * The cuda backend: storages are DeviceBuffers from the caching allocator, every kernel runs
 * on the addon's one stream, and only read/readIndex (toArray, data, item, cpu) wait for the
 * GPU. float32 only.
 */
export class CudaBackend implements Backend {
  readonly name = 'cuda' as const;
  readonly device = 'cuda' as const;
  /** Compressed layers (lib/backend/cuda/sparse.ts). */
  readonly sparse: CudaSparseKernels;
  /** Optimizer steps on the device (the addon's fused SGD and Adam passes). */
  readonly optimizer: OptimizerKernelSet = {
    sgdStep: (param: unknown, grad: unknown, momentumBuf: unknown, mask: unknown, c: SgdStepConfig): void =>
      this.addon.sgdStep(buf(param), buf(grad), optBuf(momentumBuf), optBuf(mask), c.lr, c.momentum, c.dampening, c.weightDecay, c.nesterov, c.firstStep),
    adamStep: (param: unknown, grad: unknown, m: unknown, v: unknown, mask: unknown, c: AdamStepConfig): void =>
      this.addon.adamStep(buf(param), buf(grad), buf(m), buf(v), optBuf(mask), c.lr, c.beta1, c.beta2, c.eps, c.weightDecay, c.decoupled, c.step),
  };

  constructor(readonly addon: CudaAddon) {
    this.sparse = new CudaSparseKernels(addon);
    // TF32 tensor cores for GEMM and convolution: off unless asked for (exact fp32 by default).
    if (process.env.PAI_CUDA_TF32 === '1') addon.setTf32(true);
  }

  /** Switches TF32 tensor cores on or off for GEMM and convolution (10-bit mantissa products). */
  setTf32(enabled: boolean): void {
    this.addon.setTf32(enabled);
  }

  /** The caching allocator's counters (bytes in use, cached, peak, cudaMalloc calls). */
  memoryStats(): ReturnType<CudaAddon['memoryStats']> {
    return this.addon.memoryStats();
  }

  /** Waits until every kernel queued on the backend's stream has finished. */
  synchronize(): void {
    this.addon.synchronize();
  }

  supports(dtype: DType): boolean {
    return dtype === 'float32';
  }

  // ---- memory ----
  alloc(size: number, dtype: DType): Buf {
    float32(dtype, 'alloc');
    return new this.addon.DeviceBuffer(size * 4);
  }
  zeros(size: number, dtype: DType): Buf {
    const b = this.alloc(size, dtype);
    this.addon.zero(b);
    return b;
  }
  fromHost(values: ArrayLike<number>, dtype: DType): Buf {
    const b = this.alloc(values.length, dtype);
    if (values.length > 0) this.addon.upload(b, values instanceof Float32Array ? values : Float32Array.from(values), 0);
    return b;
  }
  subview(s: unknown, offset: number, size: number): Buf {
    return buf(s).view(offset * 4, size * 4);
  }
  read(s: unknown, _dtype?: DType): HostArray {
    const b = buf(s);
    const out = new Float32Array(b.byteLength / 4);
    if (out.length > 0) this.addon.download(b, out, 0);
    return out;
  }
  free(s: unknown): void {
    buf(s).dispose();
  }
  allocatedBytes(): number {
    return this.addon.memoryStats().reserved;
  }
  releaseCache(): void {
    this.addon.emptyCache();
  }
  fill(s: unknown, value: number): void {
    this.addon.fill(buf(s), value);
  }
  copy(src: unknown, dst: unknown, size: number): void {
    if (size > 0) this.addon.copy(buf(dst), 0, buf(src), 0, size * 4);
  }

  // ---- int32 index storage ----
  allocIndex(size: number): CudaIndex {
    return new CudaIndex(new this.addon.DeviceBuffer(size * 4), size, null);
  }
  indexFromHost(values: Int32Array): CudaIndex {
    const b = new this.addon.DeviceBuffer(values.length * 4);
    if (values.length > 0) this.addon.upload(b, values, 0);
    return new CudaIndex(b, values.length, Int32Array.from(values));
  }
  readIndex(s: unknown): Int32Array {
    const i = ix(s);
    if (i.host) return Int32Array.from(i.host);
    const out = new Int32Array(i.size);
    if (i.size > 0) this.addon.download(i.buffer, out, 0);
    return out;
  }
  freeIndex(s: unknown): void {
    ix(s).buffer.dispose();
  }
  indexToFloat(s: unknown, out: unknown): void {
    if (ix(s).size > 0) this.addon.indexToFloat(ix(s).buffer, buf(out));
  }

  // ---- elementwise and layout ----
  unary(op: UnaryOp, x: unknown, out: unknown, alpha: number, beta: number): void {
    this.addon.unary(op, buf(x), buf(out), alpha, beta);
  }
  binary(op: BinaryOp, a: unknown, as: Int32Array, b: unknown, bs: Int32Array, out: unknown, shape: Int32Array): void {
    this.addon.binary(op, buf(a), as, buf(b), bs, buf(out), shape);
  }
  where(c: unknown, cs: Int32Array, a: unknown, as: Int32Array, b: unknown, bs: Int32Array, out: unknown, shape: Int32Array): void {
    this.addon.where(buf(c), cs, buf(a), as, buf(b), bs, buf(out), shape);
  }
  stridedCopy(src: unknown, so: number, ss: Int32Array, dst: unknown, dof: number, ds: Int32Array, shape: Int32Array): void {
    this.addon.stridedCopy(buf(src), so, ss, buf(dst), dof, ds, shape);
  }
  repeatRows(src: unknown, rows: number, cols: number, out: unknown): void {
    this.addon.repeatRows(buf(src), rows, cols, buf(out));
  }
  permute(x: unknown, shape: Int32Array, perm: Int32Array, out: unknown): void {
    this.addon.permute(buf(x), shape, perm, buf(out));
  }

  // ---- reductions ----
  reduceSum(x: unknown, outer: number, len: number, inner: number, out: unknown): void {
    this.addon.reduceSum(buf(x), outer, len, inner, buf(out));
  }
  reduceMax(x: unknown, outer: number, len: number, inner: number, values: unknown, index: unknown): void {
    ix(index).host = null;
    this.addon.reduceMax(buf(x), outer, len, inner, buf(values), ix(index).buffer);
  }
  gatherAxis(x: unknown, index: unknown, outer: number, len: number, inner: number, out: unknown): void {
    this.addon.gatherAxis(buf(x), ix(index).buffer, outer, len, inner, buf(out));
  }
  scatterAxis(values: unknown, index: unknown, outer: number, len: number, inner: number, out: unknown): void {
    this.addon.scatterAxis(buf(values), ix(index).buffer, outer, len, inner, buf(out));
  }

  // ---- matrix products ----
  gemm(
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
    const [lda, ldb, ldc] = leadingDims(ta, tb, m, n, k);
    this.addon.sgemmBatched(ta, tb, m, n, k, alpha, buf(a), lda, sa, buf(b), ldb, sb, beta, buf(c), ldc, sc, batch);
  }

  // ---- softmax and loss ----
  softmax(x: unknown, rows: number, cols: number, out: unknown): void {
    if (rows > 0 && cols > 0) this.addon.softmax(buf(x), rows, cols, buf(out));
  }
  logSoftmax(x: unknown, rows: number, cols: number, out: unknown): void {
    if (rows > 0 && cols > 0) this.addon.logSoftmax(buf(x), rows, cols, buf(out));
  }
  /** Labels made on the host are checked there (RangeError, as on the cpu), without a GPU wait. */
  softmaxCrossEntropy(logits: unknown, rows: number, cols: number, labels: unknown, loss: unknown, probs: unknown): void {
    const l = ix(labels);
    this.addon.softmaxCrossEntropy(buf(logits), rows, cols, l.host ?? l.buffer, buf(loss), optBuf(probs));
  }
  pickRows(x: unknown, rows: number, cols: number, labels: unknown, out: unknown): void {
    const l = ix(labels);
    this.addon.pickRows(buf(x), rows, cols, l.host ?? l.buffer, buf(out));
  }
  scatterRows(values: unknown, rows: number, cols: number, labels: unknown, out: unknown): void {
    const l = ix(labels);
    this.addon.scatterRows(buf(values), rows, cols, l.host ?? l.buffer, buf(out));
  }

  // ---- convolution ----
  conv2dForward(x: unknown, w: unknown, bias: unknown, g: Conv2dGeometry, out: unknown): void {
    this.addon.conv2dForward(buf(x), g.n, g.c, g.h, g.w, buf(w), g.o, g.kh, g.kw, optBuf(bias), g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, buf(out));
  }
  conv2dGradInput(gy: unknown, w: unknown, g: Conv2dGeometry, gx: unknown): void {
    this.addon.conv2dGradInput(buf(gy), g.n, g.c, g.h, g.w, buf(w), g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, buf(gx));
  }
  conv2dGradWeight(x: unknown, gy: unknown, g: Conv2dGeometry, gw: unknown): void {
    this.addon.conv2dGradWeight(buf(x), g.n, g.c, g.h, g.w, buf(gy), g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, buf(gw));
  }

  // ---- masked dense kernels (the mask fused into the GEMM and implicit-GEMM loads) ----
  gemmMasked(
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
    const [lda, ldb, ldc] = leadingDims(ta, tb, m, n, k);
    this.addon.sgemm(ta, tb, m, n, k, alpha, buf(a), lda, buf(b), ldb, beta, buf(c), ldc, optBuf(aMask), optBuf(bMask));
  }
  conv2dMaskedForward(x: unknown, w: unknown, mask: unknown, bias: unknown, g: Conv2dGeometry, out: unknown): void {
    this.addon.conv2dMaskedForward(buf(x), g.n, g.c, g.h, g.w, buf(w), g.o, g.kh, g.kw, optBuf(bias), g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, buf(out), buf(mask));
  }
  conv2dMaskedGradInput(gy: unknown, w: unknown, mask: unknown, g: Conv2dGeometry, gx: unknown): void {
    this.addon.conv2dMaskedGradInput(buf(gy), g.n, g.c, g.h, g.w, buf(w), g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, buf(gx), buf(mask));
  }
  conv2dMaskedGradWeight(x: unknown, gy: unknown, mask: unknown, g: Conv2dGeometry, gw: unknown): void {
    this.addon.conv2dMaskedGradWeight(buf(x), g.n, g.c, g.h, g.w, buf(gy), g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, buf(gw), buf(mask));
  }

  // ---- pooling ----
  maxPool2dForward(x: unknown, g: Pool2dGeometry, out: unknown, argmax: unknown): void {
    ix(argmax).host = null;
    this.addon.maxPool2dForward(buf(x), g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, buf(out), ix(argmax).buffer);
  }
  maxPool2dBackward(gy: unknown, argmax: unknown, g: Pool2dGeometry, gx: unknown): void {
    this.addon.maxPool2dBackwardWindow(buf(gy), ix(argmax).buffer, g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, buf(gx));
  }
  maxPool2dGather(src: unknown, argmax: unknown, g: Pool2dGeometry, out: unknown): void {
    this.addon.maxPool2dGather(buf(src), ix(argmax).buffer, g.n, g.c, g.h, g.w, g.oh, g.ow, buf(out));
  }
  avgPool2dForward(x: unknown, g: Pool2dGeometry, out: unknown): void {
    this.addon.avgPool2dForward(buf(x), g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, buf(out));
  }
  avgPool2dBackward(gy: unknown, g: Pool2dGeometry, gx: unknown): void {
    this.addon.avgPool2dBackward(buf(gy), g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, buf(gx));
  }
  adaptiveAvgPool2dForward(x: unknown, n: number, c: number, h: number, w: number, oh: number, ow: number, out: unknown): void {
    this.addon.adaptiveAvgPool2dForward(buf(x), n, c, h, w, oh, ow, buf(out));
  }
  adaptiveAvgPool2dBackward(gy: unknown, n: number, c: number, h: number, w: number, oh: number, ow: number, gx: unknown): void {
    this.addon.adaptiveAvgPool2dBackward(buf(gy), n, c, h, w, oh, ow, buf(gx));
  }

  // ---- batch norm ----
  batchNormTrainForward(x: unknown, n: number, c: number, hw: number, gamma: unknown, beta: unknown, eps: number, out: unknown, mean: unknown, invstd: unknown): void {
    this.addon.batchNormTrainForward(buf(x), n, c, hw, optBuf(gamma), optBuf(beta), eps, buf(out), buf(mean), buf(invstd));
  }
  batchNormEvalForward(x: unknown, n: number, c: number, hw: number, rm: unknown, rv: unknown, gamma: unknown, beta: unknown, eps: number, out: unknown): void {
    this.addon.batchNormEvalForward(buf(x), n, c, hw, buf(rm), buf(rv), optBuf(gamma), optBuf(beta), eps, buf(out));
  }
  batchNormBackward(
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
    this.addon.batchNormBackward(buf(gy), buf(x), n, c, hw, buf(mean), buf(invstd), optBuf(gamma), buf(gx), optBuf(ggamma), optBuf(gbeta));
  }
  batchNormUpdateRunning(rm: unknown, rv: unknown, mean: unknown, invstd: unknown, c: number, momentum: number, eps: number, count: number): void {
    this.addon.batchNormUpdateRunning(buf(rm), buf(rv), buf(mean), buf(invstd), c, momentum, eps, count);
  }

  // ---- random numbers ----
  philoxUniform(seedLo: number, seedHi: number, offset: number, out: unknown): void {
    if (buf(out).byteLength > 0) this.addon.philoxUniform(seedLo, seedHi, offset, buf(out));
  }
  philoxNormal(seedLo: number, seedHi: number, offset: number, mean: number, std: number, out: unknown): void {
    if (buf(out).byteLength > 0) this.addon.philoxNormal(seedLo, seedHi, offset, mean, std, buf(out));
  }

  // ---- beyond the Backend interface: arena kernels for pruning and training ----
  /** Scores over a device arena (see lib/backend/sparse/select.ts for the kinds). */
  scoreKernel(kind: 'abs' | 'absprod' | 'prod' | 'negprod', theta: unknown, g: unknown, out: unknown): void {
    this.addon.scoreKernel(kind, buf(theta), optBuf(g), buf(out));
  }
  /** Exact top-k mask on the device; returns the smallest kept score (waits for the GPU). */
  selectTopK(scores: unknown, k: number, mask: unknown): number {
    return this.addon.selectTopK(buf(scores), k, buf(mask));
  }
  /** Per-segment top-k on the device; returns each segment's smallest kept score. */
  selectTopKSegments(scores: unknown, offsets: ArrayLike<number>, ks: ArrayLike<number>, mask: unknown): Float64Array {
    return this.addon.selectTopKSegments(buf(scores), Float64Array.from(offsets), Float64Array.from(ks), buf(mask));
  }
}
