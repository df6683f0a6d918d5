import type { HostArray } from '../backend';

/** Reference sum over the middle axis of x [outer, len, inner]; accumulates in float64. */
export function reduceSum(x: HostArray, outer: number, len: number, inner: number, out: HostArray): void {
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let s = 0;
      const base = o * len;
      for (let r = 0; r < len; r++) s += x[base + r];
      out[o] = s;
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    const base = o * len * inner;
    for (let r = 0; r < len; r++) {
      const row = base + r * inner;
      for (let i = 0; i < inner; i++) acc[i] += x[row + i];
    }
    const ob = o * inner;
    for (let i = 0; i < inner; i++) out[ob + i] = acc[i];
  }
}

/** Reference max over the middle axis, with the first index of the maximum (NaN wins). */
export function reduceMax(
  x: HostArray,
  outer: number,
  len: number,
  inner: number,
  values: HostArray,
  index: Int32Array,
): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let best = x[base];
      let arg = 0;
      for (let r = 1; r < len && best === best; r++) {
        const v = x[base + r * inner];
        if (v > best || v !== v) {
          best = v;
          arg = r;
        }
      }
      values[o * inner + i] = best;
      index[o * inner + i] = arg;
    }
  }
}

/** Reference gather along the middle axis: out[o, i] = x[o, index[o, i], i]. */
export function gatherAxis(x: HostArray, index: Int32Array, outer: number, len: number, inner: number, out: HostArray): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) out[o * inner + i] = x[(o * len + index[o * inner + i]) * inner + i];
  }
}

/** Reference scatter-add along the middle axis into zeros. */
export function scatterAxis(values: HostArray, index: Int32Array, outer: number, len: number, inner: number, out: HostArray): void {
  out.fill(0);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) out[(o * len + index[o * inner + i]) * inner + i] += values[o * inner + i];
  }
}
