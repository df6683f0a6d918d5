/**
 * Measures, on the running machine, when a compressed layer beats the dense-masked one:
 * forward + input gradient + weight gradient of both modes over a grid of densities, until
 * the two costs are bracketed. On the CPU the batch only scales both modes alike, so a small
 * one is used; the GPU's timers (lib/backend/cuda/calibrate.ts) take a full one.
 */
import type { Device } from '../backend';
import { cudaTimer } from '../cuda/calibrate';
import { sparseNative } from './native';
import { compressValues, patternFromMask } from './pattern';
import { bestMs, randomArray, randomMask, type Timer } from './timing';

/** A layer shape as calibration sees it (no batch). Pairs are [h, w]. */
export type SparseLayerShape =
  | { kind: 'linear'; inFeatures: number; outFeatures: number }
  | {
      kind: 'conv2d';
      c: number;
      h: number;
      w: number;
      o: number;
      kh: number;
      kw: number;
      stride?: [number, number];
      padding?: [number, number];
      dilation?: [number, number];
      groups?: number;
    };

/** One measured density: milliseconds per forward + both gradients of each mode. */
export interface CrossoverPoint {
  density: number;
  denseMs: number;
  compressedMs: number;
}

/** The measured crossover of one layer shape. */
export interface Calibration {
  /** Density (fraction of weights kept) below which the compressed mode is faster. */
  crossover: number;
  /** Batch the timings used. */
  batch: number;
  points: CrossoverPoint[];
}

/** A stable text key of a layer shape (the cache key). */
export function layerShapeKey(s: SparseLayerShape): string {
  if (s.kind === 'linear') return `linear ${s.outFeatures}x${s.inFeatures}`;
  const st = s.stride ?? [1, 1], pd = s.padding ?? [0, 0], dl = s.dilation ?? [1, 1];
  return `conv2d ${s.o}x${s.c / (s.groups ?? 1)}x${s.kh}x${s.kw} on ${s.c}x${s.h}x${s.w} s${st.join(',')} p${pd.join(',')} d${dl.join(',')} g${s.groups ?? 1}`;
}

/**
 * Densities tried, from dense towards sparse. The walk starts at {@link CALIBRATION_START}
 * and goes sparser until the compressed kernels win, or denser while they already win there.
 */
export const CALIBRATION_DENSITIES = [1, 0.7, 0.5, 0.35, 0.25, 0.18, 0.12, 0.08, 0.05, 0.03, 0.02, 0.01, 0.005, 0.002];

/** Where the walk over {@link CALIBRATION_DENSITIES} starts. */
export const CALIBRATION_START = 0.5;

type Fn = (...args: any[]) => any;

/** The native functions calibration needs, or null when the addon lacks any of them. */
function nativeSet(names: string[]): Record<string, Fn> | null {
  const out: Record<string, Fn> = {};
  for (const n of names) {
    const f = sparseNative(n);
    if (!f) return null;
    out[n] = f;
  }
  return out;
}

function linearTimer(s: Extract<SparseLayerShape, { kind: 'linear' }>, batch: number, repeats: number): Timer | null {
  const f = nativeSet(['sgemm', 'sparseLinearForward', 'sparseLinearGradInput', 'sparseLinearGradWeight']);
  if (!f) return null;
  const { inFeatures: k, outFeatures: n } = s;
  const x = randomArray(batch * k, 1), gy = randomArray(batch * n, 2), w = randomArray(n * k, 3);
  const y = new Float32Array(batch * n), gx = new Float32Array(batch * k), gw = new Float32Array(n * k);
  return (density) => {
    const mask = randomMask(n * k, density, 4);
    const dense = bestMs(() => {
      f.sgemm(false, true, batch, n, k, 1, x, k, w, k, 0, y, n, null, mask);
      f.sgemm(false, false, batch, k, n, 1, gy, n, w, k, 0, gx, k, null, mask);
      f.sgemm(true, false, n, k, batch, 1, gy, n, x, k, 0, gw, k, null, null);
    }, repeats);
    const p = patternFromMask(mask, n, k);
    const v = compressValues(p, w) as Float32Array;
    const gv = new Float32Array(p.nnz);
    const compressed = bestMs(() => {
      f.sparseLinearForward(x, batch, k, n, p.rowPtr, p.colIdx, v, null, y);
      f.sparseLinearGradInput(gy, batch, k, n, p.colPtr, p.cscRow, p.cscPos, v, gx);
      f.sparseLinearGradWeight(x, gy, batch, k, n, p.rowPtr, p.colIdx, gv);
    }, repeats);
    return [dense, compressed];
  };
}

function convTimer(s: Extract<SparseLayerShape, { kind: 'conv2d' }>, batch: number, repeats: number): Timer | null {
  const f = nativeSet([
    'conv2dMaskedForward',
    'conv2dMaskedGradInput',
    'conv2dMaskedGradWeight',
    'sparseConv2dForward',
    'sparseConv2dGradInput',
    'sparseConv2dGradWeight',
  ]);
  if (!f) return null;
  const [sh, sw] = s.stride ?? [1, 1], [ph, pw] = s.padding ?? [0, 0], [dh, dw] = s.dilation ?? [1, 1];
  const groups = s.groups ?? 1;
  const oh = Math.floor((s.h + 2 * ph - dh * (s.kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((s.w + 2 * pw - dw * (s.kw - 1) - 1) / sw) + 1;
  const cols = (s.c / groups) * s.kh * s.kw;
  const x = randomArray(batch * s.c * s.h * s.w, 1), gy = randomArray(batch * s.o * oh * ow, 2), w = randomArray(s.o * cols, 3);
  const y = new Float32Array(gy.length), gx = new Float32Array(x.length), gw = new Float32Array(w.length);
  const geo = [sh, sw, ph, pw, dh, dw, groups];
  const dims = [batch, s.c, s.h, s.w, s.o, s.kh, s.kw, ...geo];
  return (density) => {
    const mask = randomMask(w.length, density, 4);
    const dense = bestMs(() => {
      f.conv2dMaskedForward(x, batch, s.c, s.h, s.w, w, s.o, s.kh, s.kw, null, ...geo, y, mask);
      f.conv2dMaskedGradInput(gy, batch, s.c, s.h, s.w, w, s.o, s.kh, s.kw, ...geo, gx, mask);
      f.conv2dMaskedGradWeight(x, batch, s.c, s.h, s.w, gy, s.o, s.kh, s.kw, ...geo, gw, mask);
    }, repeats);
    const p = patternFromMask(mask, s.o, cols);
    const v = compressValues(p, w) as Float32Array;
    const gv = new Float32Array(p.nnz);
    const compressed = bestMs(() => {
      f.sparseConv2dForward(x, ...dims, p.rowPtr, p.colIdx, v, null, y);
      f.sparseConv2dGradInput(gy, ...dims, p.colPtr, p.cscRow, p.cscPos, v, gx);
      f.sparseConv2dGradWeight(x, gy, ...dims, p.rowPtr, p.colIdx, gv);
    }, repeats);
    return [dense, compressed];
  };
}

/** The density where log(compressed / dense) crosses zero, interpolated in log density. */
function interpolate(hi: CrossoverPoint, lo: CrossoverPoint): number {
  const rh = Math.log(hi.compressedMs / hi.denseMs), rl = Math.log(lo.compressedMs / lo.denseMs);
  const t = rh / (rh - rl); // rh >= 0 > rl
  return Math.exp(Math.log(hi.density) + t * (Math.log(lo.density) - Math.log(hi.density)));
}

/**
 * Times both modes of a layer shape over the density grid until the crossover is bracketed
 * and returns it, interpolated; null without the native kernels.
 */
export function calibrateLayer(shape: SparseLayerShape, opts: { batch?: number; repeats?: number; device?: Device } = {}): Calibration | null {
  const gpu = opts.device === 'cuda';
  // A GPU needs a full batch to be measured as it trains (a small one leaves it idle).
  const batch = opts.batch ?? (shape.kind === 'linear' || gpu ? 128 : 64);
  const repeats = opts.repeats ?? 3;
  const timer = gpu ? cudaTimer(shape, batch, repeats) : shape.kind === 'linear' ? linearTimer(shape, batch, repeats) : convTimer(shape, batch, repeats);
  if (!timer) return null;
  try {
    return measureCrossover(timer, batch);
  } finally {
    timer.release?.();
  }
}

/**
 * Walks the density grid with `timer` and brackets the crossover: from
 * {@link CALIBRATION_START} sparser until the compressed mode wins, or, when it wins there
 * already, denser until it loses (compressed everywhere when it still wins at density 1).
 */
export function measureCrossover(timer: Timer, batch: number): Calibration {
  const grid = CALIBRATION_DENSITIES;
  const points: CrossoverPoint[] = [];
  const at = (i: number): CrossoverPoint => {
    const [denseMs, compressedMs] = timer(grid[i]);
    const p = { density: grid[i], denseMs, compressedMs };
    points.push(p);
    return p;
  };
  const wins = (p: CrossoverPoint) => p.compressedMs < p.denseMs;
  let i = grid.indexOf(CALIBRATION_START);
  let p = at(i);
  if (wins(p)) {
    // Faster already at the start: go denser until the dense-masked kernels win.
    while (i > 0) {
      const denser = at(--i);
      if (!wins(denser)) return { crossover: interpolate(denser, p), batch, points };
      p = denser;
    }
    return { crossover: 1, batch, points };
  }
  for (;;) {
    // The compressed cost falls about linearly with density: jump to just above where it
    // should meet the dense cost instead of walking the whole grid.
    const guess = (p.density * p.denseMs * 1.3) / p.compressedMs;
    let next = i + 1;
    while (next + 1 < grid.length && grid[next] > guess) next++;
    if (next >= grid.length) break;
    const q = at((i = next));
    if (wins(q)) return { crossover: interpolate(p, q), batch, points };
    p = q;
  }
  // Compressed never won: keep layers dense down to the sparsest density measured.
  return { crossover: 0, batch, points };
}
