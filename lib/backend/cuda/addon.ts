/**
 * The functions of pai_cuda.node (native/cuda/binding/): the kernels of native/BINDINGS.md
 * with DeviceBuffers in place of typed arrays, plus device memory management.
 */

/** Device memory (a view of a shared allocation); freed when disposed or garbage-collected. */
export interface DeviceBuffer {
  readonly byteLength: number;
  readonly disposed: boolean;
  /** Drops this handle's share of the allocation (the memory returns when no view remains). */
  dispose(): void;
  /** A handle on [byteOffset, byteOffset + byteLength) of the same memory. */
  view(byteOffset: number, byteLength: number): DeviceBuffer;
}

/** Device facts as the addon reports them; never throws. */
export interface CudaRuntimeInfo {
  devices: { name: string; memory: number; computeCapability: string; multiprocessors: number }[];
  /** Why there is no usable device (no driver, no device), or null. */
  error: string | null;
  runtimeVersion: number;
  driverVersion: number;
  /** Device in use, -1 before the first allocation. */
  device: number;
  tf32: boolean;
  /** True for the CPU-emulator build used to check kernels without a GPU. */
  emulated: boolean;
}

/** Allocator counters in bytes (calls counted where named). */
export interface CudaMemoryStats {
  inUse: number;
  cached: number;
  peak: number;
  reserved: number;
  deviceMallocs: number;
  cacheHits: number;
}

type Buf = DeviceBuffer;
type Ints = Int32Array;

/** The raw addon. Float buffers hold float32, index buffers int32. */
export interface CudaAddon {
  DeviceBuffer: new (byteLength: number) => DeviceBuffer;
  info(): CudaRuntimeInfo;
  init(device: number): void;
  upload(dst: Buf, src: ArrayBufferView, dstByteOffset: number): void;
  download(src: Buf, dst: ArrayBufferView, srcByteOffset: number): void;
  copy(dst: Buf, dstByteOffset: number, src: Buf, srcByteOffset: number, byteLength: number): void;
  fill(dst: Buf, value: number): void;
  zero(dst: Buf): void;
  synchronize(): void;
  memoryStats(): CudaMemoryStats;
  emptyCache(): void;
  setTf32(enabled: boolean): void;

  philoxUniform(seedLo: number, seedHi: number, offset: number, out: Buf): void;
  philoxNormal(seedLo: number, seedHi: number, offset: number, mean: number, std: number, out: Buf): void;
  sgemm(ta: boolean, tb: boolean, m: number, n: number, k: number, alpha: number, a: Buf, lda: number, b: Buf, ldb: number, beta: number, c: Buf, ldc: number, aMask: Buf | null, bMask: Buf | null): void;
  sgemmBatched(ta: boolean, tb: boolean, m: number, n: number, k: number, alpha: number, a: Buf, lda: number, sa: number, b: Buf, ldb: number, sb: number, beta: number, c: Buf, ldc: number, sc: number, batch: number): void;
  conv2dForward(x: Buf, n: number, c: number, h: number, w: number, weight: Buf, o: number, kh: number, kw: number, bias: Buf | null, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, groups: number, out: Buf): void;
  conv2dGradInput(gy: Buf, n: number, c: number, h: number, w: number, weight: Buf, o: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, groups: number, gx: Buf): void;
  conv2dGradWeight(x: Buf, n: number, c: number, h: number, w: number, gy: Buf, o: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, groups: number, gw: Buf): void;
  conv2dMaskedForward(x: Buf, n: number, c: number, h: number, w: number, weight: Buf, o: number, kh: number, kw: number, bias: Buf | null, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, groups: number, out: Buf, mask: Buf): void;
  conv2dMaskedGradInput(gy: Buf, n: number, c: number, h: number, w: number, weight: Buf, o: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, groups: number, gx: Buf, mask: Buf): void;
  conv2dMaskedGradWeight(x: Buf, n: number, c: number, h: number, w: number, gy: Buf, o: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, groups: number, gw: Buf, mask: Buf): void;

  unary(op: string, x: Buf, out: Buf, alpha: number, beta: number): void;
  binary(op: string, a: Buf, aStrides: Ints, b: Buf, bStrides: Ints, out: Buf, outShape: Ints): void;
  where(cond: Buf, cs: Ints, a: Buf, as: Ints, b: Buf, bs: Ints, out: Buf, outShape: Ints): void;
  stridedCopy(src: Buf, srcOffset: number, srcStrides: Ints, dst: Buf, dstOffset: number, dstStrides: Ints, shape: Ints): void;
  permute(x: Buf, shape: Ints, perm: Ints, out: Buf): void;
  repeatRows(src: Buf, rows: number, cols: number, out: Buf): void;
  indexToFloat(index: Buf, out: Buf): void;
  reduceSum(x: Buf, outer: number, len: number, inner: number, out: Buf): void;
  reduceMax(x: Buf, outer: number, len: number, inner: number, values: Buf, index: Buf): void;
  gatherAxis(x: Buf, index: Buf, outer: number, len: number, inner: number, out: Buf): void;
  scatterAxis(values: Buf, index: Buf, outer: number, len: number, inner: number, out: Buf): void;

  softmax(x: Buf, rows: number, cols: number, out: Buf): void;
  logSoftmax(x: Buf, rows: number, cols: number, out: Buf): void;
  /** labels: host Int32Array (validated: RangeError) or an int32 DeviceBuffer (not inspected). */
  softmaxCrossEntropy(logits: Buf, rows: number, cols: number, labels: Ints | Buf, loss: Buf, probs: Buf | null): void;
  pickRows(x: Buf, rows: number, cols: number, labels: Ints | Buf, out: Buf): void;
  scatterRows(values: Buf, rows: number, cols: number, labels: Ints | Buf, out: Buf): void;

  maxPool2dForward(x: Buf, n: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, out: Buf, argmax: Buf): void;
  maxPool2dBackward(gy: Buf, argmax: Buf, n: number, c: number, h: number, w: number, oh: number, ow: number, gx: Buf): void;
  maxPool2dBackwardWindow(gy: Buf, argmax: Buf, n: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, gx: Buf): void;
  maxPool2dGather(src: Buf, argmax: Buf, n: number, c: number, h: number, w: number, oh: number, ow: number, out: Buf): void;
  avgPool2dForward(x: Buf, n: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, out: Buf): void;
  avgPool2dBackward(gy: Buf, n: number, c: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, gx: Buf): void;
  adaptiveAvgPool2dForward(x: Buf, n: number, c: number, h: number, w: number, oh: number, ow: number, out: Buf): void;
  adaptiveAvgPool2dBackward(gy: Buf, n: number, c: number, h: number, w: number, oh: number, ow: number, gx: Buf): void;

  batchNormTrainForward(x: Buf, n: number, c: number, hw: number, gamma: Buf | null, beta: Buf | null, eps: number, out: Buf, mean: Buf, invstd: Buf): void;
  batchNormEvalForward(x: Buf, n: number, c: number, hw: number, runMean: Buf, runVar: Buf, gamma: Buf | null, beta: Buf | null, eps: number, out: Buf): void;
  batchNormBackward(gy: Buf, x: Buf, n: number, c: number, hw: number, mean: Buf, invstd: Buf, gamma: Buf | null, gx: Buf, ggamma: Buf | null, gbeta: Buf | null): void;
  batchNormUpdateRunning(runMean: Buf, runVar: Buf, mean: Buf, invstd: Buf, c: number, momentum: number, eps: number, count: number): void;

  // Compressed layers (native/BINDINGS.md "Sparse"): index arrays as host Int32Arrays
  // (checked, uploaded per call) or int32 DeviceBuffers built once (range-guarded on the GPU).
  sparseLinearForward(x: Buf, batch: number, inFeatures: number, outFeatures: number, rowPtr: Ints | Buf, colIdx: Ints | Buf, values: Buf, bias: Buf | null, y: Buf): void;
  sparseLinearGradInput(gy: Buf, batch: number, inFeatures: number, outFeatures: number, colPtr: Ints | Buf, cscRow: Ints | Buf, cscPos: Ints | Buf, values: Buf, gx: Buf): void;
  sparseLinearGradWeight(x: Buf, gy: Buf, batch: number, inFeatures: number, outFeatures: number, rowPtr: Ints | Buf, colIdx: Ints | Buf, gvalues: Buf): void;
  sparseConv2dForward(x: Buf, n: number, c: number, h: number, w: number, o: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, groups: number, rowPtr: Ints | Buf, colIdx: Ints | Buf, values: Buf, bias: Buf | null, y: Buf): void;
  sparseConv2dGradInput(gy: Buf, n: number, c: number, h: number, w: number, o: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, groups: number, colPtr: Ints | Buf, cscRow: Ints | Buf, cscPos: Ints | Buf, values: Buf, gx: Buf): void;
  sparseConv2dGradWeight(x: Buf, gy: Buf, n: number, c: number, h: number, w: number, o: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number, groups: number, rowPtr: Ints | Buf, colIdx: Ints | Buf, gvalues: Buf): void;
  sparseScatter(rows: number, cols: number, rowPtr: Ints | Buf, colIdx: Ints | Buf, values: Buf, dense: Buf): void;

  scoreKernel(kind: 'abs' | 'absprod' | 'prod' | 'negprod', theta: Buf, g: Buf | null, out: Buf): void;
  /** Returns the threshold (the k-th largest score); NaN scores are a RangeError. Waits for the GPU. */
  selectTopK(scores: Buf, k: number, mask: Buf): number;
  selectTopKSegments(scores: Buf, offsets: Float64Array, ks: Float64Array, mask: Buf): Float64Array;
  sgdStep(param: Buf, grad: Buf, momentumBuf: Buf | null, mask: Buf | null, lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean): void;
  adamStep(param: Buf, grad: Buf, m: Buf, v: Buf, mask: Buf | null, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number): void;
}
