import type { HostArray } from '../backend';
import { channelMoments } from './batchnorm';

// A module constant, not Math.sqrt in the loops (global lookups are slow under jest's vm context).
const { sqrt } = Math;

/**
 * Reference residual-block tail in training over z, r [n, c, hw]: two-pass batch moments
 * of z, then out = max(y + s r, 0) with y = ((z - mean) - meanLo) scale + shift rounded as
 * the storage rounds (scale = gamma invstd) and s = scale[ch] (1 where null); NaN stays NaN.
 */
export function batchNormAddReluTrainForward(
  z: HostArray,
  r: HostArray,
  s: HostArray | null,
  n: number,
  c: number,
  hw: number,
  gamma: HostArray | null,
  beta: HostArray | null,
  eps: number,
  out: HostArray,
  mean: HostArray,
  meanLo: HostArray,
  invstd: HostArray,
): void {
  const round = z instanceof Float32Array ? Math.fround : (v: number) => v;
  for (let ch = 0; ch < c; ch++) {
    const [mu, variance] = channelMoments(z, n, c, hw, ch);
    mean[ch] = mu;
    meanLo[ch] = mu - mean[ch];
    invstd[ch] = 1 / sqrt(variance + eps);
    const scale = round((gamma ? gamma[ch] : 1) * invstd[ch]);
    const shift = beta ? beta[ch] : 0;
    const k = s ? s[ch] : 1;
    for (let b = 0; b < n; b++) {
      for (let i = (b * c + ch) * hw, e = i + hw; i < e; i++) {
        const y = round(round((z[i] - mean[ch] - meanLo[ch]) * scale) + shift);
        const sum2 = y + (s ? round(k * r[i]) : r[i]);
        out[i] = sum2 <= 0 ? 0 : sum2;
      }
    }
  }
}

/**
 * Reference gradient of batchNormAddReluTrainForward: g = out > 0 ? gy : 0, gr = s g,
 * gscale = sum g r (when given), gz = gamma invstd (g - mean(g) - xhat mean(g xhat)),
 * ggamma = sum(g xhat), gbeta = sum(g), xhat = ((z - mean) - meanLo) invstd.
 */
export function batchNormAddReluBackward(
  gy: HostArray,
  out: HostArray,
  z: HostArray,
  r: HostArray,
  s: HostArray | null,
  n: number,
  c: number,
  hw: number,
  mean: HostArray,
  meanLo: HostArray,
  invstd: HostArray,
  gamma: HostArray | null,
  gz: HostArray,
  gr: HostArray,
  ggamma: HostArray | null,
  gbeta: HostArray | null,
  gscale: HostArray | null,
): void {
  const count = n * hw;
  for (let ch = 0; ch < c; ch++) {
    const k = s ? s[ch] : 1;
    let sg = 0, sgx = 0, sgr = 0;
    for (let b = 0; b < n; b++) {
      for (let i = (b * c + ch) * hw, e = i + hw; i < e; i++) {
        const g = out[i] > 0 ? gy[i] : 0;
        gr[i] = k * g;
        sg += g;
        sgx += g * (z[i] - mean[ch] - meanLo[ch]) * invstd[ch];
        sgr += g * r[i];
      }
    }
    if (ggamma) ggamma[ch] = sgx;
    if (gbeta) gbeta[ch] = sg;
    if (gscale) gscale[ch] = sgr;
    const a = (gamma ? gamma[ch] : 1) * invstd[ch];
    for (let b = 0; b < n; b++) {
      for (let i = (b * c + ch) * hw, e = i + hw; i < e; i++) {
        const g = out[i] > 0 ? gy[i] : 0;
        const xhat = (z[i] - mean[ch] - meanLo[ch]) * invstd[ch];
        gz[i] = a * (g - sg / count - (xhat * sgx) / count);
      }
    }
  }
}
