import type { Conv2dGeometry, HostArray } from '../backend';

/**
 * Visits every (output pixel, weight tap) pair of a convolution whose input pixel lies
 * inside the image, calling tap(xIndex, wIndex, yIndex). Direct loops: this is the oracle,
 * not the fast path.
 */
function forEachTap(g: Conv2dGeometry, tap: (xi: number, wi: number, yi: number) => void): void {
  const { n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow } = g;
  const cpg = c / groups;
  const opg = o / groups;
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      const grp = (oc - (oc % opg)) / opg;
      for (let ci = 0; ci < cpg; ci++) {
        const ic = grp * cpg + ci;
        const xPlane = (b * c + ic) * h * w;
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const wi = ((oc * cpg + ci) * kh + ky) * kw + kx;
            for (let y = 0; y < oh; y++) {
              const iy = y * sh - ph + ky * dh;
              if (iy < 0 || iy >= h) continue;
              const yRow = ((b * o + oc) * oh + y) * ow;
              for (let xo = 0; xo < ow; xo++) {
                const ix = xo * sw - pw + kx * dw;
                if (ix < 0 || ix >= w) continue;
                tap(xPlane + iy * w + ix, wi, yRow + xo);
              }
            }
          }
        }
      }
    }
  }
}

/** Reference conv2d forward: out = x * weight + bias. */
export function conv2dForward(x: HostArray, weight: HostArray, bias: HostArray | null, g: Conv2dGeometry, out: HostArray): void {
  const plane = g.oh * g.ow;
  for (let b = 0; b < g.n; b++) {
    for (let oc = 0; oc < g.o; oc++) {
      const v = bias ? bias[oc] : 0;
      out.fill(v, (b * g.o + oc) * plane, (b * g.o + oc + 1) * plane);
    }
  }
  forEachTap(g, (xi, wi, yi) => {
    out[yi] += x[xi] * weight[wi];
  });
}

/** Reference gradient of conv2d with respect to its input. */
export function conv2dGradInput(gy: HostArray, weight: HostArray, g: Conv2dGeometry, gx: HostArray): void {
  gx.fill(0);
  forEachTap(g, (xi, wi, yi) => {
    gx[xi] += gy[yi] * weight[wi];
  });
}

/** Reference gradient of conv2d with respect to its weight. */
export function conv2dGradWeight(x: HostArray, gy: HostArray, g: Conv2dGeometry, gw: HostArray): void {
  gw.fill(0);
  forEachTap(g, (xi, wi, yi) => {
    gw[wi] += gy[yi] * x[xi];
  });
}
