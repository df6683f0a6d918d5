// Dense-masked oracles for the compressed-layer tests: the weight multiplied by its mask,
// run through plain dense loops (linear) or the reference backend's convolution, in float64.
import type { Conv2dGeometry } from '../../lib/backend/backend';
import { conv2dForward, conv2dGradInput, conv2dGradWeight } from '../../lib/backend/reference/conv';

/** Geometry with oh, ow computed (PyTorch's formula). */
export function geometry(n: number, c: number, h: number, w: number, o: number, kh: number, kw: number,
  opts: { sh?: number; sw?: number; ph?: number; pw?: number; dh?: number; dw?: number; groups?: number } = {}): Conv2dGeometry {
  const { sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1 } = opts;
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  return { n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow };
}

function masked(weight: ArrayLike<number>, mask: ArrayLike<number>): Float64Array {
  const out = new Float64Array(weight.length);
  for (let i = 0; i < out.length; i++) out[i] = weight[i] * mask[i];
  return out;
}

/** Dense-masked linear: y = x (W ⊙ M)^T + b, gx = gy (W ⊙ M), gW = (gy^T x) ⊙ M. */
export function denseMaskedLinear(x: ArrayLike<number>, gy: ArrayLike<number>, weight: ArrayLike<number>, mask: ArrayLike<number>,
  bias: ArrayLike<number> | null, batch: number, inF: number, outF: number) {
  const wm = masked(weight, mask);
  const y = new Float64Array(batch * outF);
  const gx = new Float64Array(batch * inF);
  const gw = new Float64Array(outF * inF);
  for (let b = 0; b < batch; b++)
    for (let o = 0; o < outF; o++) {
      let s = bias ? bias[o] : 0;
      const g = gy[b * outF + o];
      for (let i = 0; i < inF; i++) {
        s += x[b * inF + i] * wm[o * inF + i];
        gx[b * inF + i] += g * wm[o * inF + i];
        gw[o * inF + i] += g * x[b * inF + i];
      }
      y[b * outF + o] = s;
    }
  for (let i = 0; i < gw.length; i++) gw[i] *= mask[i];
  return { y, gx, gw };
}

/** Dense-masked conv2d through the reference backend, in float64. */
export function denseMaskedConv(g: Conv2dGeometry, x: ArrayLike<number>, gy: ArrayLike<number>, weight: ArrayLike<number>,
  mask: ArrayLike<number>, bias: ArrayLike<number> | null) {
  const wm = masked(weight, mask);
  const x64 = Float64Array.from(x);
  const gy64 = Float64Array.from(gy);
  const y = new Float64Array(g.n * g.o * g.oh * g.ow);
  const gx = new Float64Array(x.length);
  const gw = new Float64Array(weight.length);
  conv2dForward(x64, wm, bias ? Float64Array.from(bias) : null, g, y);
  conv2dGradInput(gy64, wm, g, gx);
  conv2dGradWeight(x64, gy64, g, gw);
  for (let i = 0; i < gw.length; i++) gw[i] *= mask[i];
  return { y, gx, gw };
}

/** Largest |a - b| relative to the largest |b| (0 for two empty or all-zero arrays). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? err : err / scale;
}

/** A random 0/1 mask keeping about `density` of n entries (at least `min`). */
export function randomMask(n: number, density: number, rand: () => number, min = 0): Float32Array {
  const m = new Float32Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) if (rand() < density) (m[i] = 1), kept++;
  for (let i = 0; kept < min && i < n; i++) if (m[i] === 0) (m[i] = 1), kept++;
  return m;
}
