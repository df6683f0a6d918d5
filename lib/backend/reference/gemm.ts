import type { HostArray } from '../backend';

/** Reference batched GEMM (see Backend.gemm); beta = 0 writes C without reading it. */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: HostArray,
  b: HostArray,
  beta: number,
  c: HostArray,
  batch: number,
  strideA: number,
  strideB: number,
  strideC: number,
): void {
  // Row strides of the stored matrices: A is [m, k] or [k, m], B is [k, n] or [n, k].
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  for (let bt = 0; bt < batch; bt++) {
    const oa = bt * strideA;
    const ob = bt * strideB;
    const oc = bt * strideC;
    for (let i = 0; i < m; i++) {
      const rc = oc + i * n;
      if (beta === 0) for (let j = 0; j < n; j++) c[rc + j] = 0;
      else if (beta !== 1) for (let j = 0; j < n; j++) c[rc + j] *= beta;
      if (transB) {
        // C[i, j] += alpha * dot(A(i, :), B[j, :]): both rows contiguous when A is not transposed.
        for (let j = 0; j < n; j++) {
          let s = 0;
          const rb = ob + j * ldb;
          if (transA) for (let p = 0; p < k; p++) s += a[oa + p * lda + i] * b[rb + p];
          else {
            const ra = oa + i * lda;
            for (let p = 0; p < k; p++) s += a[ra + p] * b[rb + p];
          }
          c[rc + j] += alpha * s;
        }
      } else {
        for (let p = 0; p < k; p++) {
          const aip = alpha * (transA ? a[oa + p * lda + i] : a[oa + i * lda + p]);
          const rb = ob + p * ldb;
          for (let j = 0; j < n; j++) c[rc + j] += aip * b[rb + j];
        }
      }
    }
  }
}
