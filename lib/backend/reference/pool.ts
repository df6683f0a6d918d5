import type { HostArray, Pool2dGeometry } from '../backend';

// Module constants, not Math.x / Infinity in the loops: under a vm context (jest) every
// global lookup is a slow property access on the context's global object.
const { floor, ceil } = Math;
const NEG_INF = -Infinity;

/** Reference max pooling with the flat (h, w)-plane index of each maximum; padding is -inf. */
export function maxPool2dForward(x: HostArray, g: Pool2dGeometry, out: HostArray, argmax: Int32Array): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow } = g;
  for (let p = 0; p < n * c; p++) {
    const xb = p * h * w;
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        let best = NEG_INF;
        let arg = -1;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y * sh - ph + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = xo * sw - pw + kx;
            if (ix < 0 || ix >= w) continue;
            const v = x[xb + iy * w + ix];
            // The first NaN wins and sticks, as in PyTorch.
            if (arg < 0 || v > best || (v !== v && best === best)) {
              best = v;
              arg = iy * w + ix;
            }
          }
        }
        const oi = (p * oh + y) * ow + xo;
        out[oi] = best;
        argmax[oi] = arg;
      }
    }
  }
}

/** Reference max-pool backward: scatter-add gy into zeros at the argmax positions. */
export function maxPool2dBackward(gy: HostArray, argmax: Int32Array, g: Pool2dGeometry, gx: HostArray): void {
  gx.fill(0);
  const ip = g.h * g.w;
  const op = g.oh * g.ow;
  for (let p = 0; p < g.n * g.c; p++) {
    for (let i = 0; i < op; i++) gx[p * ip + argmax[p * op + i]] += gy[p * op + i];
  }
}

/** Reference gather at the argmax positions: the adjoint of maxPool2dBackward. */
export function maxPool2dGather(src: HostArray, argmax: Int32Array, g: Pool2dGeometry, out: HostArray): void {
  const ip = g.h * g.w;
  const op = g.oh * g.ow;
  for (let p = 0; p < g.n * g.c; p++) {
    for (let i = 0; i < op; i++) out[p * op + i] = src[p * ip + argmax[p * op + i]];
  }
}

/** Visits every (output, input) pair of an average-pool window that lies inside the image. */
function forEachWindow(g: Pool2dGeometry, visit: (oi: number, xi: number) => void): void {
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow } = g;
  for (let p = 0; p < n * c; p++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        const oi = (p * oh + y) * ow + xo;
        for (let ky = 0; ky < kh; ky++) {
          const iy = y * sh - ph + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = xo * sw - pw + kx;
            if (ix < 0 || ix >= w) continue;
            visit(oi, (p * h + iy) * w + ix);
          }
        }
      }
    }
  }
}

/** Reference average pooling; the divisor is kh * kw (zero padding counted, as PyTorch's default). */
export function avgPool2dForward(x: HostArray, g: Pool2dGeometry, out: HostArray): void {
  out.fill(0);
  const inv = 1 / (g.kh * g.kw);
  forEachWindow(g, (oi, xi) => {
    out[oi] += x[xi] * inv;
  });
}

/** Reference average-pool backward. */
export function avgPool2dBackward(gy: HostArray, g: Pool2dGeometry, gx: HostArray): void {
  gx.fill(0);
  const inv = 1 / (g.kh * g.kw);
  forEachWindow(g, (oi, xi) => {
    gx[xi] += gy[oi] * inv;
  });
}

/** Start and end (exclusive) of adaptive window i of `out` windows over `size` pixels. */
function adaptiveRange(i: number, size: number, out: number): [number, number] {
  return [floor((i * size) / out), ceil(((i + 1) * size) / out)];
}

/** Visits every (output, input, 1 / window area) triple of adaptive average pooling. */
function forEachAdaptive(
  n: number,
  c: number,
  h: number,
  w: number,
  oh: number,
  ow: number,
  visit: (oi: number, xi: number, scale: number) => void,
): void {
  for (let p = 0; p < n * c; p++) {
    for (let y = 0; y < oh; y++) {
      const [y0, y1] = adaptiveRange(y, h, oh);
      for (let xo = 0; xo < ow; xo++) {
        const [x0, x1] = adaptiveRange(xo, w, ow);
        const scale = 1 / ((y1 - y0) * (x1 - x0));
        const oi = (p * oh + y) * ow + xo;
        for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) visit(oi, (p * h + iy) * w + ix, scale);
      }
    }
  }
}

/** Reference adaptive average pooling to [oh, ow]. */
export function adaptiveAvgPool2dForward(x: HostArray, n: number, c: number, h: number, w: number, oh: number, ow: number, out: HostArray): void {
  out.fill(0);
  forEachAdaptive(n, c, h, w, oh, ow, (oi, xi, s) => {
    out[oi] += x[xi] * s;
  });
}

/** Reference adaptive average-pool backward. */
export function adaptiveAvgPool2dBackward(gy: HostArray, n: number, c: number, h: number, w: number, oh: number, ow: number, gx: HostArray): void {
  gx.fill(0);
  forEachAdaptive(n, c, h, w, oh, ow, (oi, xi, s) => {
    gx[xi] += gy[oi] * s;
  });
}
