/**
 * Reference compressed-layer kernels in plain TypeScript loops over the survivors only
 * (float32 or float64): the fallback when the native addon is absent, and the readable
 * statement of what the native kernels compute. Convolutions use PyTorch's geometry
 * (x [n, c, h, w], weight [o, c / groups, kh, kw], y [n, o, oh, ow]).
 */
import type { Conv2dGeometry } from '../backend';
import type { FloatArray, SparsePattern } from './pattern';

/** y [batch, out] = x [batch, in] W^T + bias, W [out, in] given by (pattern, values). */
export function sparseLinearForwardRef(p: SparsePattern, values: FloatArray, x: FloatArray, batch: number, bias: FloatArray | null, y: FloatArray): void {
  const { rows, cols, rowPtr, colIdx } = p;
  for (let b = 0; b < batch; b++) {
    const xb = b * cols;
    for (let o = 0; o < rows; o++) {
      let s = 0;
      for (let j = rowPtr[o]; j < rowPtr[o + 1]; j++) s += values[j] * x[xb + colIdx[j]];
      y[b * rows + o] = s + (bias ? bias[o] : 0);
    }
  }
}

/** gx [batch, in] = gy [batch, out] W. */
export function sparseLinearGradInputRef(p: SparsePattern, values: FloatArray, gy: FloatArray, batch: number, gx: FloatArray): void {
  const { rows, cols, rowPtr, colIdx } = p;
  gx.fill(0, 0, batch * cols);
  for (let b = 0; b < batch; b++)
    for (let o = 0; o < rows; o++) {
      const g = gy[b * rows + o];
      for (let j = rowPtr[o]; j < rowPtr[o + 1]; j++) gx[b * cols + colIdx[j]] += g * values[j];
    }
}

/** gvalues[j] = sum_b gy[b, row(j)] x[b, col(j)]: the weight gradient at the survivors. */
export function sparseLinearGradWeightRef(p: SparsePattern, x: FloatArray, gy: FloatArray, batch: number, gvalues: FloatArray): void {
  const { rows, cols, rowPtr, colIdx } = p;
  for (let o = 0; o < rows; o++)
    for (let j = rowPtr[o]; j < rowPtr[o + 1]; j++) {
      const c = colIdx[j];
      let s = 0;
      for (let b = 0; b < batch; b++) s += gy[b * rows + o] * x[b * cols + c];
      gvalues[j] = s;
    }
}

/**
 * Visits every (survivor j, output pixel, input pixel) triple whose input pixel is inside
 * the image: tap(j, xIndex, yIndex).
 */
function forEachSurvivorTap(g: Conv2dGeometry, p: SparsePattern, tap: (j: number, xi: number, yi: number) => void): void {
  const { n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow } = g;
  const cpg = c / groups;
  const opg = o / groups;
  const kk = kh * kw;
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++) {
      const c0 = Math.floor(oc / opg) * cpg;
      const yPlane = (b * o + oc) * oh * ow;
      for (let j = p.rowPtr[oc]; j < p.rowPtr[oc + 1]; j++) {
        const col = p.colIdx[j];
        const ic = c0 + Math.floor(col / kk);
        const ky = Math.floor((col % kk) / kw);
        const kx = col % kw;
        const xPlane = (b * c + ic) * h * w;
        for (let y = 0; y < oh; y++) {
          const iy = y * sh - ph + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let xo = 0; xo < ow; xo++) {
            const ix = xo * sw - pw + kx * dw;
            if (ix >= 0 && ix < w) tap(j, xPlane + iy * w + ix, yPlane + y * ow + xo);
          }
        }
      }
    }
}

/** y = conv(x, W) + bias with the compressed weight W. */
export function sparseConv2dForwardRef(g: Conv2dGeometry, p: SparsePattern, values: FloatArray, x: FloatArray, bias: FloatArray | null, y: FloatArray): void {
  const plane = g.oh * g.ow;
  for (let b = 0; b < g.n; b++) for (let oc = 0; oc < g.o; oc++) y.fill(bias ? bias[oc] : 0, (b * g.o + oc) * plane, (b * g.o + oc + 1) * plane);
  forEachSurvivorTap(g, p, (j, xi, yi) => {
    y[yi] += values[j] * x[xi];
  });
}

/** gx = the gradient of sum(gy * conv(x, W)) with respect to x. */
export function sparseConv2dGradInputRef(g: Conv2dGeometry, p: SparsePattern, values: FloatArray, gy: FloatArray, gx: FloatArray): void {
  gx.fill(0, 0, g.n * g.c * g.h * g.w);
  forEachSurvivorTap(g, p, (j, xi, yi) => {
    gx[xi] += values[j] * gy[yi];
  });
}

/** gvalues[j] = the gradient with respect to survivor j's weight, summed over the batch. */
export function sparseConv2dGradWeightRef(g: Conv2dGeometry, p: SparsePattern, x: FloatArray, gy: FloatArray, gvalues: FloatArray): void {
  gvalues.fill(0, 0, p.nnz);
  forEachSurvivorTap(g, p, (j, xi, yi) => {
    gvalues[j] += x[xi] * gy[yi];
  });
}
