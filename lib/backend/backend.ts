/**
 * The kernel-level contract between the tensor layer and a compute backend.
 *
 * The tensor layer never looks inside a storage handle: it allocates, passes handles to
 * kernels with shapes, and frees them. On `reference` and `cpu` a handle is a host typed
 * array; on `cuda` it is a device buffer. Every kernel writes its whole output unless its
 * comment says "accumulates" or "scatters into zeros".
 */
import type { SparseKernelSet } from './sparse/kernels';
import type { OptimizerKernelSet } from './optimizer';

/** Element type of a tensor: float32 everywhere, float64 on the reference backend for checks. */
export type DType = 'float32' | 'float64';
/** Where a tensor's storage lives. */
export type Device = 'cpu' | 'cuda';
/** Names of the backends that can be selected. */
export type BackendName = 'reference' | 'cpu' | 'cuda';

/** Opaque float storage handle of `size` elements (a typed array on host backends). */
export type Storage = unknown;
/** Opaque int32 storage handle (argmax indices, labels). */
export type IndexStorage = unknown;
/** Host float arrays a backend exchanges with the tensor layer. */
export type HostArray = Float32Array | Float64Array;

/** Unary kernels; alpha/beta are the parameters of 'pow' (x^alpha), 'clamp' ([alpha, beta]) and 'affine' (alpha x + beta). */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'relu'
  | 'step'
  | 'square'
  | 'pow'
  | 'clamp'
  | 'affine'
  | 'rsqrt';

/** Broadcasting binary kernels; comparisons produce 1 or 0. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'max' | 'min' | 'gt' | 'ge' | 'lt' | 'le' | 'eq';

/**
 * Geometry of a 2-D convolution: x [n, c, h, w], weight [o, c / groups, kh, kw],
 * out [n, o, oh, ow]; s = stride, p = zero padding, d = dilation (all in pixels).
 */
export interface Conv2dGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  o: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
  groups: number;
  oh: number;
  ow: number;
}

/** Geometry of a 2-D pooling window over x [n, c, h, w] giving out [n, c, oh, ow]. */
export interface Pool2dGeometry {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  oh: number;
  ow: number;
}

/** A compute backend: memory management plus the kernels every op dispatches to. */
export interface Backend {
  readonly name: BackendName;
  readonly device: Device;
  /**
   * Compressed-layer kernels over this backend's storages, for a backend other than the two
   * host ones (whose sets lib/backend/sparse/kernels.ts defines); absent: compressed layers
   * do not run here.
   */
  readonly sparse?: SparseKernelSet;
  /**
   * Fused optimizer steps over this backend's storages (lib/backend/optimizer.ts), for a
   * device backend; absent: optimizers update the arena's host copy and upload it.
   */
  readonly optimizer?: OptimizerKernelSet;
  /** Whether tensors of this dtype can live on the backend. */
  supports(dtype: DType): boolean;

  // ---- memory ----
  /** Storage of `size` elements with unspecified contents (may be recycled). */
  alloc(size: number, dtype: DType): Storage;
  /** Storage of `size` zeros. */
  zeros(size: number, dtype: DType): Storage;
  /** New storage holding a copy of `values`. */
  fromHost(values: ArrayLike<number>, dtype: DType): Storage;
  /** Zero-copy storage over a host array (host backends only; absent on cuda). */
  wrapHost?(array: HostArray): Storage;
  /** Zero-copy storage for elements [offset, offset + size) of `s`, if the backend can share. */
  subview?(s: Storage, offset: number, size: number): Storage;
  /** The contents as a host array: the storage itself on host backends, a copy on cuda. */
  read(s: Storage, dtype: DType): HostArray;
  /** Gives storage back (recycled or freed); `s` must not be used afterwards. */
  free(s: Storage, size: number, dtype: DType): void;
  /** Bytes currently held by this backend's allocator: live storages plus its cache. */
  allocatedBytes(): number;
  /** Frees cached (not live) memory. */
  releaseCache(): void;
  fill(s: Storage, value: number): void;
  /** dst[i] = src[i] for i < size. */
  copy(src: Storage, dst: Storage, size: number): void;

  // ---- int32 index storage ----
  allocIndex(size: number): IndexStorage;
  indexFromHost(values: Int32Array): IndexStorage;
  readIndex(ix: IndexStorage): Int32Array;
  freeIndex(ix: IndexStorage): void;
  /** out[i] = ix[i] as a float (argmax results). */
  indexToFloat(ix: IndexStorage, out: Storage): void;

  // ---- elementwise and layout ----
  /** out[i] = op(x[i]); out may alias x. */
  unary(op: UnaryOp, x: Storage, out: Storage, alpha: number, beta: number): void;
  /**
   * out[idx] = a[idx . aStrides] op b[idx . bStrides] over every index of outShape; strides
   * are in elements, 0 on broadcast dimensions, same rank as outShape. out may alias a.
   */
  binary(op: BinaryOp, a: Storage, aStrides: Int32Array, b: Storage, bStrides: Int32Array, out: Storage, outShape: Int32Array): void;
  /** out = cond != 0 ? a : b with broadcasting strides as in binary. */
  where(
    cond: Storage,
    condStrides: Int32Array,
    a: Storage,
    aStrides: Int32Array,
    b: Storage,
    bStrides: Int32Array,
    out: Storage,
    outShape: Int32Array,
  ): void;
  /** dst[dstOffset + idx . dstStrides] = src[srcOffset + idx . srcStrides] over every index of shape. */
  stridedCopy(
    src: Storage,
    srcOffset: number,
    srcStrides: Int32Array,
    dst: Storage,
    dstOffset: number,
    dstStrides: Int32Array,
    shape: Int32Array,
  ): void;
  /** out[r, :] = src[0 : cols] for r < rows (bias rows before a GEMM with beta = 1). */
  repeatRows(src: Storage, rows: number, cols: number, out: Storage): void;
  /** out = x permuted: out.shape[i] = shape[perm[i]]. */
  permute(x: Storage, shape: Int32Array, perm: Int32Array, out: Storage): void;

  // ---- reductions ----
  /** out[o, i] = sum_r x[o, r, i] for x viewed as [outer, len, inner]. */
  reduceSum(x: Storage, outer: number, len: number, inner: number, out: Storage): void;
  /** values[o, i] = max_r x[o, r, i], index[o, i] = its r (first on ties). */
  reduceMax(x: Storage, outer: number, len: number, inner: number, values: Storage, index: IndexStorage): void;
  /** out[o, i] = x[o, index[o, i], i] for x [outer, len, inner]. */
  gatherAxis(x: Storage, index: IndexStorage, outer: number, len: number, inner: number, out: Storage): void;
  /** out [outer, len, inner] = zeros, then out[o, index[o, i], i] += values[o, i]. */
  scatterAxis(values: Storage, index: IndexStorage, outer: number, len: number, inner: number, out: Storage): void;

  // ---- matrix products ----
  /**
   * For each b < batch: C_b = alpha op(A_b) op(B_b) + beta C_b, row-major, op(A) [m, k],
   * op(B) [k, n]; A_b starts at b * strideA (0 broadcasts one matrix), likewise B, C.
   */
  gemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Storage,
    b: Storage,
    beta: number,
    c: Storage,
    batch: number,
    strideA: number,
    strideB: number,
    strideC: number,
  ): void;

  // ---- softmax and loss ----
  softmax(x: Storage, rows: number, cols: number, out: Storage): void;
  logSoftmax(x: Storage, rows: number, cols: number, out: Storage): void;
  /** lossPerRow[r] = -log softmax(x_r)[labels[r]], probs = softmax(x); one pass. Throws on a label outside [0, cols). */
  softmaxCrossEntropy(logits: Storage, rows: number, cols: number, labels: IndexStorage, lossPerRow: Storage, probs: Storage): void;
  /** out[r] = x[r, labels[r]] for x [rows, cols]. */
  pickRows(x: Storage, rows: number, cols: number, labels: IndexStorage, out: Storage): void;
  /** out [rows, cols] = zeros, then out[r, labels[r]] = values[r]. */
  scatterRows(values: Storage, rows: number, cols: number, labels: IndexStorage, out: Storage): void;

  // ---- convolution (NCHW, OIHW) ----
  conv2dForward(x: Storage, weight: Storage, bias: Storage | null, g: Conv2dGeometry, out: Storage): void;
  conv2dGradInput(gy: Storage, weight: Storage, g: Conv2dGeometry, gx: Storage): void;
  conv2dGradWeight(x: Storage, gy: Storage, g: Conv2dGeometry, gw: Storage): void;

  // ---- masked dense kernels (the dense-masked mode of sparse execution) ----
  // Optional: the ops multiply the weight by its mask first and run the plain kernels on a
  // backend without them. Masks have the layout of the weight they go with; the weight is
  // read as weight * mask without that product being stored anywhere.
  /**
   * C = alpha op(A ⊙ aMask) op(B ⊙ bMask) + beta C for one matrix (no batch), row-major as
   * in gemm; a mask may be null.
   */
  gemmMasked?(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Storage,
    aMask: Storage | null,
    b: Storage,
    bMask: Storage | null,
    beta: number,
    c: Storage,
  ): void;
  /** conv2dForward with weight ⊙ mask. */
  conv2dMaskedForward?(x: Storage, weight: Storage, mask: Storage, bias: Storage | null, g: Conv2dGeometry, out: Storage): void;
  /** conv2dGradInput with weight ⊙ mask. */
  conv2dMaskedGradInput?(gy: Storage, weight: Storage, mask: Storage, g: Conv2dGeometry, gx: Storage): void;
  /** mask ⊙ conv2dGradWeight; entries where the mask is 0 are exactly 0 (even for a NaN gradient). */
  conv2dMaskedGradWeight?(x: Storage, gy: Storage, mask: Storage, g: Conv2dGeometry, gw: Storage): void;

  // ---- pooling ----
  /** argmax is the flat index in the (h, w) plane; padding counts as -inf. */
  maxPool2dForward(x: Storage, g: Pool2dGeometry, out: Storage, argmax: IndexStorage): void;
  /** gx = zeros [n, c, h, w], then gx[argmax] += gy. */
  maxPool2dBackward(gy: Storage, argmax: IndexStorage, g: Pool2dGeometry, gx: Storage): void;
  /** out[n, c, i] = src[n, c, argmax[n, c, i]]: the adjoint of maxPool2dBackward. */
  maxPool2dGather(src: Storage, argmax: IndexStorage, g: Pool2dGeometry, out: Storage): void;
  /** Average over the window, zero padding included in the count. */
  avgPool2dForward(x: Storage, g: Pool2dGeometry, out: Storage): void;
  avgPool2dBackward(gy: Storage, g: Pool2dGeometry, gx: Storage): void;
  /** PyTorch's adaptive windows: rows [floor(i h / oh), ceil((i + 1) h / oh)). */
  adaptiveAvgPool2dForward(x: Storage, n: number, c: number, h: number, w: number, oh: number, ow: number, out: Storage): void;
  adaptiveAvgPool2dBackward(gy: Storage, n: number, c: number, h: number, w: number, oh: number, ow: number, gx: Storage): void;

  // ---- batch norm, x viewed as [n, c, hw] ----
  /** Normalizes with the biased batch variance; writes mean and invstd [c] for the backward. */
  batchNormTrainForward(
    x: Storage,
    n: number,
    c: number,
    hw: number,
    gamma: Storage | null,
    beta: Storage | null,
    eps: number,
    out: Storage,
    mean: Storage,
    invstd: Storage,
  ): void;
  batchNormEvalForward(
    x: Storage,
    n: number,
    c: number,
    hw: number,
    runMean: Storage,
    runVar: Storage,
    gamma: Storage | null,
    beta: Storage | null,
    eps: number,
    out: Storage,
  ): void;
  /** Training-mode gradient; ggamma / gbeta may be null. */
  batchNormBackward(
    gy: Storage,
    x: Storage,
    n: number,
    c: number,
    hw: number,
    mean: Storage,
    invstd: Storage,
    gamma: Storage | null,
    gx: Storage,
    ggamma: Storage | null,
    gbeta: Storage | null,
  ): void;
  /** run = (1 - momentum) run + momentum batch, with the unbiased variance (count / (count - 1)). */
  batchNormUpdateRunning(
    runMean: Storage,
    runVar: Storage,
    mean: Storage,
    invstd: Storage,
    c: number,
    momentum: number,
    eps: number,
    count: number,
  ): void;

  // ---- ReLU fusion (optional: without them the ops compose relu, mul and batchNorm) ----
  /** gx[i] = out[i] > 0 ? gy[i] : 0 for i < size: ReLU's gradient read off its output (NaN passes none). */
  reluBackward?(gy: Storage, out: Storage, gx: Storage, size: number): void;
  /**
   * Training-mode batch norm then ReLU in one output pass: out = max(((x - mean) - meanLo)
   * invstd gamma + beta, 0) with the biased batch variance. Writes mean, meanLo (batch mean
   * minus mean, the low part of a float pair) and invstd [c] for the backward. rowMoments
   * (optional, see lib/ops/row-moments.ts) are x's per-row moments as x's producer recorded
   * them; a backend may merge them instead of reading x for the statistics, or ignore them.
   * zeroIn [c] (optional, lib/ops/activation-notes.ts): 1 where every element of the channel
   * of x is a zero; a backend may skip reading those channels (their output is the value at
   * x = +0) and then sets zeroOut [c] (optional) to 1 where such a channel's output is all +0.
   * A backend that ignores them leaves zeroOut at 0 (no claim).
   */
  batchNormReluTrainForward?(
    x: Storage,
    n: number,
    c: number,
    hw: number,
    gamma: Storage | null,
    beta: Storage | null,
    eps: number,
    out: Storage,
    mean: Storage,
    meanLo: Storage,
    invstd: Storage,
    rowMoments?: Float64Array | null,
    zeroIn?: Uint8Array | null,
    zeroOut?: Uint8Array | null,
  ): void;
  /**
   * Gradient of batchNormReluTrainForward, the ReLU mask recomputed from x, the saved
   * statistics and the same gamma / beta; ggamma / gbeta may be null. gxSum [c] (optional)
   * receives the per-channel sums of gx: the bias gradient of a convolution feeding x. zeroIn
   * (optional) as the forward was given it: a backend may write a zero channel's gx as zeros
   * without reading gy or x where its ReLU is closed at x = +0.
   */
  batchNormReluBackward?(
    gy: Storage,
    x: Storage,
    n: number,
    c: number,
    hw: number,
    mean: Storage,
    meanLo: Storage,
    invstd: Storage,
    gamma: Storage | null,
    beta: Storage | null,
    gx: Storage,
    ggamma: Storage | null,
    gbeta: Storage | null,
    gxSum?: Storage | null,
    zeroIn?: Uint8Array | null,
  ): void;

  /**
   * batchNormReluTrainForward followed by 2x2 / stride-2 max pooling over x [n, c, h, w]
   * (h, w even): writes only the pooled out [n, c, h/2, w/2] and the statistics (rowMoments,
   * zeroIn and zeroOut as batchNormReluTrainForward's).
   */
  batchNormReluMaxPoolTrainForward?(
    x: Storage,
    n: number,
    c: number,
    h: number,
    w: number,
    gamma: Storage | null,
    beta: Storage | null,
    eps: number,
    out: Storage,
    mean: Storage,
    meanLo: Storage,
    invstd: Storage,
    rowMoments?: Float64Array | null,
    zeroIn?: Uint8Array | null,
    zeroOut?: Uint8Array | null,
  ): void;
  /**
   * Gradient of batchNormReluMaxPoolTrainForward from gy [n, c, h/2, w/2]: each window's
   * winner (max pooling's first maximum) recomputed from x gets gy where its pre-activation
   * is positive; gx [n, c, h, w]; ggamma / gbeta may be null; gxSum and zeroIn as
   * batchNormReluBackward's.
   */
  batchNormReluMaxPoolBackward?(
    gy: Storage,
    x: Storage,
    n: number,
    c: number,
    h: number,
    w: number,
    mean: Storage,
    meanLo: Storage,
    invstd: Storage,
    gamma: Storage | null,
    beta: Storage | null,
    gx: Storage,
    ggamma: Storage | null,
    gbeta: Storage | null,
    gxSum?: Storage | null,
    zeroIn?: Uint8Array | null,
  ): void;

  // ---- residual-block tail (optional: without them the op composes batchNorm, mul, add and relu) ----
  /**
   * out = max(batchNorm(z) + s r, 0) in training, s = scale [c] per channel (1 where null),
   * statistics written as batchNormReluTrainForward's (mean, meanLo, invstd [c]).
   */
  batchNormAddReluTrainForward?(z: Storage, r: Storage, scale: Storage | null, n: number, c: number, hw: number, gamma: Storage | null, beta: Storage | null, eps: number, out: Storage, mean: Storage, meanLo: Storage, invstd: Storage): void;
  /**
   * Its gradient with g = out > 0 ? gy : 0: gr = s g, gscale = sum g r per channel (null
   * unless scaled), and gz / ggamma / gbeta batch norm's training gradient of g
   * (ggamma / gbeta may be null). Outputs distinct from the inputs.
   */
  batchNormAddReluBackward?(gy: Storage, out: Storage, z: Storage, r: Storage, scale: Storage | null, n: number, c: number, hw: number, mean: Storage, meanLo: Storage, invstd: Storage, gamma: Storage | null, gz: Storage, gr: Storage, ggamma: Storage | null, gbeta: Storage | null, gscale: Storage | null): void;

  // ---- random numbers (Philox-4x32-10, native/BINDINGS.md) ----
  philoxUniform(seedLo: number, seedHi: number, offset: number, out: Storage): void;
  philoxNormal(seedLo: number, seedHi: number, offset: number, mean: number, std: number, out: Storage): void;
}
