/**
 * Compressed layers on the GPU: the CUDA addon's SpMM, transposed SpMM, SDDMM and direct
 * sparse convolution (native/cuda/sparse.cu) over DeviceBuffers. A pattern's index arrays
 * are uploaded once, on first use, and kept with it (the pattern is fixed from pruning on).
 */
import type { Conv2dGeometry } from '../backend';
import type { SparseKernelSet } from '../sparse/kernels';
import type { SparsePattern } from '../sparse/pattern';
import type { CudaAddon, DeviceBuffer } from './addon';

type Buf = DeviceBuffer;

/** A pattern's index arrays on the device (CSR for forward and SDDMM, CSC for the transpose). */
interface DevicePattern {
  rowPtr: Buf;
  colIdx: Buf;
  colPtr: Buf;
  cscRow: Buf;
  cscPos: Buf;
}

function geometryArgs(g: Conv2dGeometry): number[] {
  return [g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups];
}

const buf = (s: unknown): Buf => s as Buf;
const optBuf = (s: unknown): Buf | null => (s === null || s === undefined ? null : (s as Buf));

/** The cuda backend's compressed-layer kernels (see SparseKernelSet). */
export class CudaSparseKernels implements SparseKernelSet {
  readonly host = false;
  // Freed with the pattern: DeviceBuffers release their memory when collected.
  private readonly uploaded = new WeakMap<SparsePattern, DevicePattern>();

  constructor(private readonly addon: CudaAddon) {}

  /** The pattern's index arrays on the device, uploaded on first use. */
  indices(p: SparsePattern): DevicePattern {
    let d = this.uploaded.get(p);
    if (!d) {
      const up = (a: Int32Array): Buf => {
        // A zero-length DeviceBuffer is not allowed: empty arrays get one unused element.
        const b = new this.addon.DeviceBuffer(Math.max(1, a.length) * 4);
        if (a.length > 0) this.addon.upload(b, a, 0);
        return b;
      };
      d = { rowPtr: up(p.rowPtr), colIdx: up(p.colIdx), colPtr: up(p.colPtr), cscRow: up(p.cscRow), cscPos: up(p.cscPos) };
      this.uploaded.set(p, d);
    }
    return d;
  }

  sparseLinearForward(p: SparsePattern, values: unknown, x: unknown, batch: number, bias: unknown, y: unknown): void {
    const d = this.indices(p);
    this.addon.sparseLinearForward(buf(x), batch, p.cols, p.rows, d.rowPtr, d.colIdx, buf(values), optBuf(bias), buf(y));
  }
  sparseLinearGradInput(p: SparsePattern, values: unknown, gy: unknown, batch: number, gx: unknown): void {
    const d = this.indices(p);
    this.addon.sparseLinearGradInput(buf(gy), batch, p.cols, p.rows, d.colPtr, d.cscRow, d.cscPos, buf(values), buf(gx));
  }
  sparseLinearGradWeight(p: SparsePattern, x: unknown, gy: unknown, batch: number, gvalues: unknown): void {
    const d = this.indices(p);
    this.addon.sparseLinearGradWeight(buf(x), buf(gy), batch, p.cols, p.rows, d.rowPtr, d.colIdx, buf(gvalues));
  }
  sparseConv2dForward(g: Conv2dGeometry, p: SparsePattern, values: unknown, x: unknown, bias: unknown, y: unknown): boolean {
    const d = this.indices(p);
    const [n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups] = geometryArgs(g);
    this.addon.sparseConv2dForward(buf(x), n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, d.rowPtr, d.colIdx, buf(values), optBuf(bias), buf(y));
    return false;
  }
  sparseConv2dGradInput(g: Conv2dGeometry, p: SparsePattern, values: unknown, gy: unknown, gx: unknown): void {
    const d = this.indices(p);
    const [n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups] = geometryArgs(g);
    this.addon.sparseConv2dGradInput(buf(gy), n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, d.colPtr, d.cscRow, d.cscPos, buf(values), buf(gx));
  }
  sparseConv2dGradWeight(g: Conv2dGeometry, p: SparsePattern, x: unknown, gy: unknown, gvalues: unknown): void {
    const d = this.indices(p);
    const [n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups] = geometryArgs(g);
    this.addon.sparseConv2dGradWeight(buf(x), buf(gy), n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, d.rowPtr, d.colIdx, buf(gvalues));
  }
  scatterValues(p: SparsePattern, values: unknown, dense: unknown): void {
    if (p.nnz === 0) return;
    const d = this.indices(p);
    this.addon.sparseScatter(p.rows, p.cols, d.rowPtr, d.colIdx, buf(values), buf(dense));
  }
}
