/**
 * The timers of the dense-masked / compressed calibration (lib/backend/sparse/calibrate.ts)
 * on the GPU: the CUDA addon's fused-mask GEMM and implicit-GEMM convolution against its
 * compressed kernels, inputs and index arrays uploaded once, each timing waiting for the GPU.
 */
import type { SparseLayerShape } from '../sparse/calibrate';
import { bestMs, randomArray, randomMask, type Timer } from '../sparse/timing';
import { compressValues, patternFromMask } from '../sparse/pattern';
import type { CudaAddon, DeviceBuffer } from './addon';
import { cudaInfo, loadCuda } from './loader';
import { addonStamp } from '../native-loader';

/** The GPU calibrations are keyed by: its name, the addon's runtime and its build (null without one). */
export function cudaFingerprint(): string | null {
  const info = cudaInfo();
  if (!info.loaded || info.devices.length === 0) return null;
  const file = loadCuda().path;
  return `cuda ${info.devices[0].name}${info.emulated ? ' (emulated)' : ''} r${info.runtimeVersion ?? '?'}${file ? ` addon ${addonStamp(file)}` : ''}`;
}

/** A timer of both modes for the shape on the GPU, or null when CUDA is not usable. */
export function cudaTimer(shape: SparseLayerShape, batch: number, repeats: number): Timer | null {
  const { addon, error } = loadCuda();
  if (!addon || error) return null;
  const held: DeviceBuffer[] = [];
  const up = (a: Float32Array | Int32Array): DeviceBuffer => {
    const b = new addon.DeviceBuffer(Math.max(1, a.length) * 4);
    if (a.length > 0) addon.upload(b, a, 0);
    held.push(b);
    return b;
  };
  const empty = (n: number): DeviceBuffer => up(new Float32Array(n));
  const timed = (fn: () => void): number =>
    bestMs(() => {
      fn();
      addon.synchronize();
    }, repeats);
  // One density's buffers are dropped before the next density's.
  const scoped = <T>(fn: () => T): T => {
    const before = held.length;
    try {
      return fn();
    } finally {
      for (const b of held.splice(before)) b.dispose();
    }
  };
  const timer: Timer = shape.kind === 'linear' ? linear(addon, shape, batch, up, empty, timed, scoped) : conv(addon, shape, batch, up, empty, timed, scoped);
  timer.release = () => {
    for (const b of held.splice(0)) b.dispose();
  };
  return timer;
}

type Up = (a: Float32Array | Int32Array) => DeviceBuffer;
type Timed = (fn: () => void) => number;
type Scoped = <T>(fn: () => T) => T;

function linear(addon: CudaAddon, s: Extract<SparseLayerShape, { kind: 'linear' }>, batch: number, up: Up, empty: (n: number) => DeviceBuffer, timed: Timed, scoped: Scoped): Timer {
  const { inFeatures: k, outFeatures: n } = s;
  const wHost = randomArray(n * k, 3);
  const x = up(randomArray(batch * k, 1)), gy = up(randomArray(batch * n, 2)), w = up(wHost);
  const y = empty(batch * n), gx = empty(batch * k), gw = empty(n * k);
  return (density) =>
    scoped(() => {
      const maskHost = randomMask(n * k, density, 4);
      const mask = up(maskHost);
      const dense = timed(() => {
        addon.sgemm(false, true, batch, n, k, 1, x, k, w, k, 0, y, n, null, mask);
        addon.sgemm(false, false, batch, k, n, 1, gy, n, w, k, 0, gx, k, null, mask);
        addon.sgemm(true, false, n, k, batch, 1, gy, n, x, k, 0, gw, k, null, null);
      });
      const p = patternFromMask(maskHost, n, k);
      const v = up(compressValues(p, wHost) as Float32Array), gv = empty(p.nnz);
      const [rowPtr, colIdx, colPtr, cscRow, cscPos] = [p.rowPtr, p.colIdx, p.colPtr, p.cscRow, p.cscPos].map(up);
      const compressed = timed(() => {
        addon.sparseLinearForward(x, batch, k, n, rowPtr, colIdx, v, null, y);
        addon.sparseLinearGradInput(gy, batch, k, n, colPtr, cscRow, cscPos, v, gx);
        addon.sparseLinearGradWeight(x, gy, batch, k, n, rowPtr, colIdx, gv);
      });
      return [dense, compressed];
    });
}

function conv(addon: CudaAddon, s: Extract<SparseLayerShape, { kind: 'conv2d' }>, batch: number, up: Up, empty: (n: number) => DeviceBuffer, timed: Timed, scoped: Scoped): Timer {
  const [sh, sw] = s.stride ?? [1, 1], [ph, pw] = s.padding ?? [0, 0], [dh, dw] = s.dilation ?? [1, 1];
  const groups = s.groups ?? 1;
  const oh = Math.floor((s.h + 2 * ph - dh * (s.kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((s.w + 2 * pw - dw * (s.kw - 1) - 1) / sw) + 1;
  const cols = (s.c / groups) * s.kh * s.kw;
  const wHost = randomArray(s.o * cols, 3);
  const x = up(randomArray(batch * s.c * s.h * s.w, 1)), gy = up(randomArray(batch * s.o * oh * ow, 2)), w = up(wHost);
  const y = empty(batch * s.o * oh * ow), gx = empty(batch * s.c * s.h * s.w), gw = empty(wHost.length);
  const dims = [batch, s.c, s.h, s.w, s.o, s.kh, s.kw, sh, sw, ph, pw, dh, dw, groups] as const;
  return (density) =>
    scoped(() => {
      const maskHost = randomMask(wHost.length, density, 4);
      const mask = up(maskHost);
      const dense = timed(() => {
        addon.conv2dMaskedForward(x, batch, s.c, s.h, s.w, w, s.o, s.kh, s.kw, null, sh, sw, ph, pw, dh, dw, groups, y, mask);
        addon.conv2dMaskedGradInput(gy, batch, s.c, s.h, s.w, w, s.o, s.kh, s.kw, sh, sw, ph, pw, dh, dw, groups, gx, mask);
        addon.conv2dMaskedGradWeight(x, batch, s.c, s.h, s.w, gy, s.o, s.kh, s.kw, sh, sw, ph, pw, dh, dw, groups, gw, mask);
      });
      const p = patternFromMask(maskHost, s.o, cols);
      const v = up(compressValues(p, wHost) as Float32Array), gv = empty(p.nnz);
      const [rowPtr, colIdx, colPtr, cscRow, cscPos] = [p.rowPtr, p.colIdx, p.colPtr, p.cscRow, p.cscPos].map(up);
      const compressed = timed(() => {
        addon.sparseConv2dForward(x, ...dims, rowPtr, colIdx, v, null, y);
        addon.sparseConv2dGradInput(gy, ...dims, colPtr, cscRow, cscPos, v, gx);
        addon.sparseConv2dGradWeight(x, gy, ...dims, rowPtr, colIdx, gv);
      });
      return [dense, compressed];
    });
}
