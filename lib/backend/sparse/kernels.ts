/**
 * Compressed-layer kernels: native (native/BINDINGS.md, "Sparse") for float32 when the addon
 * has them, the TypeScript reference otherwise (float64 always takes the reference). Each
 * costs about nnz x batch x output pixels. Outputs are fully written.
 */
import type { Conv2dGeometry, Storage } from '../backend';
import { sparseNative } from './native';
import { scatterValues, type FloatArray, type SparsePattern } from './pattern';
import {
  sparseConv2dForwardRef,
  sparseConv2dGradInputRef,
  sparseConv2dGradWeightRef,
  sparseLinearForwardRef,
  sparseLinearGradInputRef,
  sparseLinearGradWeightRef,
} from './reference';

const f32 = (...a: (FloatArray | null)[]): boolean => a.every((v) => v === null || v instanceof Float32Array);

function geometryArgs(g: Conv2dGeometry): number[] {
  return [g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups];
}

/** y [batch, out] = x [batch, in] W^T + bias for the compressed W [out, in] = (p, values). */
export function sparseLinearForward(p: SparsePattern, values: FloatArray, x: FloatArray, batch: number, bias: FloatArray | null, y: FloatArray): void {
  const f = sparseNative('sparseLinearForward');
  if (f && f32(values, x, bias, y)) f(x, batch, p.cols, p.rows, p.rowPtr, p.colIdx, values, bias, y);
  else sparseLinearForwardRef(p, values, x, batch, bias, y);
}

/** gx [batch, in] = gy [batch, out] W (transposed SpMM). */
export function sparseLinearGradInput(p: SparsePattern, values: FloatArray, gy: FloatArray, batch: number, gx: FloatArray): void {
  const f = sparseNative('sparseLinearGradInput');
  if (f && f32(values, gy, gx)) f(gy, batch, p.cols, p.rows, p.colPtr, p.cscRow, p.cscPos, values, gx);
  else sparseLinearGradInputRef(p, values, gy, batch, gx);
}

/** gvalues[j] = sum_b gy[b, row(j)] x[b, col(j)] (SDDMM: the weight gradient at the survivors only). */
export function sparseLinearGradWeight(p: SparsePattern, x: FloatArray, gy: FloatArray, batch: number, gvalues: FloatArray): void {
  const f = sparseNative('sparseLinearGradWeight');
  if (f && f32(x, gy, gvalues)) f(x, gy, batch, p.cols, p.rows, p.rowPtr, p.colIdx, gvalues);
  else sparseLinearGradWeightRef(p, x, gy, batch, gvalues);
}

/**
 * y = conv(x, W) + bias with W [o, c / groups, kh, kw] compressed as (p, values), p [o, c / groups * kh * kw].
 * Given rowMoments [2 n o], the native path that writes y plane by plane also records each
 * (image, channel) plane's mean and sum of squared deviations (see lib/ops/row-moments.ts);
 * returns whether it did.
 */
export function sparseConv2dForward(g: Conv2dGeometry, p: SparsePattern, values: FloatArray, x: FloatArray, bias: FloatArray | null, y: FloatArray, rowMoments: Float64Array | null = null): boolean {
  const f = sparseNative('sparseConv2dForward');
  if (f && f32(values, x, bias, y)) return f(x, ...geometryArgs(g), p.rowPtr, p.colIdx, values, bias, y, rowMoments) === true;
  sparseConv2dForwardRef(g, p, values, x, bias, y);
  return false;
}

/** gx = the input gradient of the compressed convolution (a transposed sparse convolution of gy). */
export function sparseConv2dGradInput(g: Conv2dGeometry, p: SparsePattern, values: FloatArray, gy: FloatArray, gx: FloatArray): void {
  const f = sparseNative('sparseConv2dGradInput');
  if (f && f32(values, gy, gx)) f(gy, ...geometryArgs(g), p.colPtr, p.cscRow, p.cscPos, values, gx);
  else sparseConv2dGradInputRef(g, p, values, gy, gx);
}

/** gvalues = the weight gradient at the survivors only, summed over the batch. */
export function sparseConv2dGradWeight(g: Conv2dGeometry, p: SparsePattern, x: FloatArray, gy: FloatArray, gvalues: FloatArray): void {
  const f = sparseNative('sparseConv2dGradWeight');
  if (f && f32(x, gy, gvalues)) f(x, gy, ...geometryArgs(g), p.rowPtr, p.colIdx, gvalues);
  else sparseConv2dGradWeightRef(g, p, x, gy, gvalues);
}

/**
 * The compressed-layer kernels over one backend's storages (Float32Array / Float64Array on
 * the host backends, DeviceBuffers on cuda), with the pattern's index arrays wherever that
 * backend keeps them. The ops (lib/ops/sparse-*.ts) take the set of their tensors' backend.
 */
export interface SparseKernelSet {
  /** Whether storages are host arrays (the ops then also read values on the host). */
  readonly host: boolean;
  sparseLinearForward(p: SparsePattern, values: Storage, x: Storage, batch: number, bias: Storage | null, y: Storage): void;
  sparseLinearGradInput(p: SparsePattern, values: Storage, gy: Storage, batch: number, gx: Storage): void;
  sparseLinearGradWeight(p: SparsePattern, x: Storage, gy: Storage, batch: number, gvalues: Storage): void;
  /** Returns whether rowMoments (host [2 n o]) were filled (see sparseConv2dForward above). */
  sparseConv2dForward(g: Conv2dGeometry, p: SparsePattern, values: Storage, x: Storage, bias: Storage | null, y: Storage, rowMoments: Float64Array | null): boolean;
  sparseConv2dGradInput(g: Conv2dGeometry, p: SparsePattern, values: Storage, gy: Storage, gx: Storage): void;
  sparseConv2dGradWeight(g: Conv2dGeometry, p: SparsePattern, x: Storage, gy: Storage, gvalues: Storage): void;
  /** The survivors `values` [nnz] into the dense [rows, cols] weight; other entries left as they are. */
  scatterValues(p: SparsePattern, values: Storage, dense: Storage): void;
}

/** The cpu backend's: native for float32, the TypeScript loops for float64. */
export const HOST_SPARSE_KERNELS = {
  host: true,
  sparseLinearForward,
  sparseLinearGradInput,
  sparseLinearGradWeight,
  sparseConv2dForward,
  sparseConv2dGradInput,
  sparseConv2dGradWeight,
  scatterValues,
} as SparseKernelSet;

/** The reference backend's: the TypeScript loops only. */
export const REFERENCE_SPARSE_KERNELS = {
  host: true,
  sparseLinearForward: sparseLinearForwardRef,
  sparseLinearGradInput: sparseLinearGradInputRef,
  sparseLinearGradWeight: sparseLinearGradWeightRef,
  sparseConv2dForward: (g: Conv2dGeometry, p: SparsePattern, values: FloatArray, x: FloatArray, bias: FloatArray | null, y: FloatArray) => {
    sparseConv2dForwardRef(g, p, values, x, bias, y);
    return false;
  },
  sparseConv2dGradInput: sparseConv2dGradInputRef,
  sparseConv2dGradWeight: sparseConv2dGradWeightRef,
  scatterValues,
} as SparseKernelSet;
