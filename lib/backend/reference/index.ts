import type {
  Backend,
  BackendName,
  BinaryOp,
  Conv2dGeometry,
  Device,
  DType,
  HostArray,
  Pool2dGeometry,
  UnaryOp,
} from '../backend';
import { HostMemory } from './host-memory';
import * as ew from './elementwise';
import * as red from './reduce';
import * as sm from './softmax';
import { gemm } from './gemm';
import * as conv from './conv';
import * as masked from './masked';
import * as pool from './pool';
import * as bn from './batchnorm';
import * as bnRelu from './batchnorm-relu';
import { channelSums } from './batchnorm-relu';
import * as bnReluPool from './batchnorm-relu-pool';
import * as bnAddRelu from './batchnorm-add-relu';
import { philoxNormal, philoxUniform } from './philox';

type S = HostArray;
type I = Int32Array;

/**
 * The reference backend: every kernel as plain TypeScript loops over host typed arrays,
 * float32 and float64. It is the oracle of the conformance suite and the fallback of the
 * cpu backend for kernels the native addon lacks.
 */
export class ReferenceBackend implements Backend {
  readonly name: BackendName = 'reference';
  readonly device: Device = 'cpu';
  protected readonly memory: HostMemory;

  constructor(memory: HostMemory = new HostMemory()) {
    this.memory = memory;
  }

  supports(dtype: DType): boolean {
    return dtype === 'float32' || dtype === 'float64';
  }

  alloc(size: number, dtype: DType): S {
    return this.memory.alloc(size, dtype);
  }
  zeros(size: number, dtype: DType): S {
    return this.memory.zeros(size, dtype);
  }
  fromHost(values: ArrayLike<number>, dtype: DType): S {
    const a = this.memory.alloc(values.length, dtype);
    a.set(values as ArrayLike<number>);
    return a;
  }
  wrapHost(array: HostArray): S {
    return array;
  }
  subview(s: unknown, offset: number, size: number): S {
    return (s as S).subarray(offset, offset + size);
  }
  read(s: unknown, _dtype?: DType): HostArray {
    return s as S;
  }
  free(s: unknown, _size?: number, _dtype?: DType): void {
    this.memory.free(s as S);
  }
  allocatedBytes(): number {
    return this.memory.bytes();
  }
  releaseCache(): void {
    this.memory.release();
  }
  fill(s: unknown, value: number): void {
    (s as S).fill(value);
  }
  copy(src: unknown, dst: unknown, size: number): void {
    const a = src as S;
    (dst as S).set(a.length === size ? a : a.subarray(0, size));
  }

  allocIndex(size: number): I {
    return new Int32Array(size);
  }
  indexFromHost(values: Int32Array): I {
    return values;
  }
  readIndex(ix: unknown): Int32Array {
    return ix as I;
  }
  freeIndex(): void {
    /* garbage-collected */
  }
  indexToFloat(ix: unknown, out: unknown): void {
    (out as S).set(ix as I);
  }

  unary(op: UnaryOp, x: unknown, out: unknown, alpha: number, beta: number): void {
    ew.unary(op, x as S, out as S, alpha, beta);
  }
  binary(op: BinaryOp, a: unknown, as: Int32Array, b: unknown, bs: Int32Array, out: unknown, shape: Int32Array): void {
    ew.binary(op, a as S, as, b as S, bs, out as S, shape);
  }
  where(c: unknown, cs: Int32Array, a: unknown, as: Int32Array, b: unknown, bs: Int32Array, out: unknown, shape: Int32Array): void {
    ew.where(c as S, cs, a as S, as, b as S, bs, out as S, shape);
  }
  stridedCopy(src: unknown, so: number, ss: Int32Array, dst: unknown, dof: number, ds: Int32Array, shape: Int32Array): void {
    ew.stridedCopy(src as S, so, ss, dst as S, dof, ds, shape);
  }
  repeatRows(src: unknown, rows: number, cols: number, out: unknown): void {
    const s = src as S;
    const o = out as S;
    const row = s.length === cols ? s : s.subarray(0, cols);
    for (let r = 0; r < rows; r++) o.set(row, r * cols);
  }
  permute(x: unknown, shape: Int32Array, perm: Int32Array, out: unknown): void {
    ew.permute(x as S, shape, perm, out as S);
  }

  reduceSum(x: unknown, outer: number, len: number, inner: number, out: unknown): void {
    red.reduceSum(x as S, outer, len, inner, out as S);
  }
  reduceMax(x: unknown, outer: number, len: number, inner: number, values: unknown, index: unknown): void {
    red.reduceMax(x as S, outer, len, inner, values as S, index as I);
  }
  gatherAxis(x: unknown, index: unknown, outer: number, len: number, inner: number, out: unknown): void {
    red.gatherAxis(x as S, index as I, outer, len, inner, out as S);
  }
  scatterAxis(values: unknown, index: unknown, outer: number, len: number, inner: number, out: unknown): void {
    red.scatterAxis(values as S, index as I, outer, len, inner, out as S);
  }

  gemm(
    ta: boolean,
    tb: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: unknown,
    b: unknown,
    beta: number,
    c: unknown,
    batch: number,
    sa: number,
    sb: number,
    sc: number,
  ): void {
    gemm(ta, tb, m, n, k, alpha, a as S, b as S, beta, c as S, batch, sa, sb, sc);
  }

  softmax(x: unknown, rows: number, cols: number, out: unknown): void {
    sm.softmax(x as S, rows, cols, out as S);
  }
  logSoftmax(x: unknown, rows: number, cols: number, out: unknown): void {
    sm.logSoftmax(x as S, rows, cols, out as S);
  }
  softmaxCrossEntropy(logits: unknown, rows: number, cols: number, labels: unknown, loss: unknown, probs: unknown): void {
    sm.softmaxCrossEntropy(logits as S, rows, cols, labels as I, loss as S, probs as S);
  }
  pickRows(x: unknown, rows: number, cols: number, labels: unknown, out: unknown): void {
    sm.pickRows(x as S, rows, cols, labels as I, out as S);
  }
  scatterRows(values: unknown, rows: number, cols: number, labels: unknown, out: unknown): void {
    sm.scatterRows(values as S, rows, cols, labels as I, out as S);
  }

  conv2dForward(x: unknown, w: unknown, bias: unknown, g: Conv2dGeometry, out: unknown): void {
    conv.conv2dForward(x as S, w as S, bias as S | null, g, out as S);
  }
  conv2dGradInput(gy: unknown, w: unknown, g: Conv2dGeometry, gx: unknown): void {
    conv.conv2dGradInput(gy as S, w as S, g, gx as S);
  }
  conv2dGradWeight(x: unknown, gy: unknown, g: Conv2dGeometry, gw: unknown): void {
    conv.conv2dGradWeight(x as S, gy as S, g, gw as S);
  }

  gemmMasked(
    ta: boolean,
    tb: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: unknown,
    aMask: unknown,
    b: unknown,
    bMask: unknown,
    beta: number,
    c: unknown,
  ): void {
    masked.gemmMasked(ta, tb, m, n, k, alpha, a as S, aMask as S | null, b as S, bMask as S | null, beta, c as S);
  }
  conv2dMaskedForward(x: unknown, w: unknown, mask: unknown, bias: unknown, g: Conv2dGeometry, out: unknown): void {
    masked.conv2dMaskedForward(x as S, w as S, mask as S, bias as S | null, g, out as S);
  }
  conv2dMaskedGradInput(gy: unknown, w: unknown, mask: unknown, g: Conv2dGeometry, gx: unknown): void {
    masked.conv2dMaskedGradInput(gy as S, w as S, mask as S, g, gx as S);
  }
  conv2dMaskedGradWeight(x: unknown, gy: unknown, mask: unknown, g: Conv2dGeometry, gw: unknown): void {
    masked.conv2dMaskedGradWeight(x as S, gy as S, mask as S, g, gw as S);
  }

  maxPool2dForward(x: unknown, g: Pool2dGeometry, out: unknown, argmax: unknown): void {
    pool.maxPool2dForward(x as S, g, out as S, argmax as I);
  }
  maxPool2dBackward(gy: unknown, argmax: unknown, g: Pool2dGeometry, gx: unknown): void {
    pool.maxPool2dBackward(gy as S, argmax as I, g, gx as S);
  }
  maxPool2dGather(src: unknown, argmax: unknown, g: Pool2dGeometry, out: unknown): void {
    pool.maxPool2dGather(src as S, argmax as I, g, out as S);
  }
  avgPool2dForward(x: unknown, g: Pool2dGeometry, out: unknown): void {
    pool.avgPool2dForward(x as S, g, out as S);
  }
  avgPool2dBackward(gy: unknown, g: Pool2dGeometry, gx: unknown): void {
    pool.avgPool2dBackward(gy as S, g, gx as S);
  }
  adaptiveAvgPool2dForward(x: unknown, n: number, c: number, h: number, w: number, oh: number, ow: number, out: unknown): void {
    pool.adaptiveAvgPool2dForward(x as S, n, c, h, w, oh, ow, out as S);
  }
  adaptiveAvgPool2dBackward(gy: unknown, n: number, c: number, h: number, w: number, oh: number, ow: number, gx: unknown): void {
    pool.adaptiveAvgPool2dBackward(gy as S, n, c, h, w, oh, ow, gx as S);
  }

  batchNormTrainForward(
    x: unknown,
    n: number,
    c: number,
    hw: number,
    gamma: unknown,
    beta: unknown,
    eps: number,
    out: unknown,
    mean: unknown,
    invstd: unknown,
  ): void {
    bn.batchNormTrainForward(x as S, n, c, hw, gamma as S | null, beta as S | null, eps, out as S, mean as S, invstd as S);
  }
  batchNormEvalForward(
    x: unknown,
    n: number,
    c: number,
    hw: number,
    rm: unknown,
    rv: unknown,
    gamma: unknown,
    beta: unknown,
    eps: number,
    out: unknown,
  ): void {
    bn.batchNormEvalForward(x as S, n, c, hw, rm as S, rv as S, gamma as S | null, beta as S | null, eps, out as S);
  }
  batchNormBackward(
    gy: unknown,
    x: unknown,
    n: number,
    c: number,
    hw: number,
    mean: unknown,
    invstd: unknown,
    gamma: unknown,
    gx: unknown,
    ggamma: unknown,
    gbeta: unknown,
  ): void {
    bn.batchNormBackward(
      gy as S,
      x as S,
      n,
      c,
      hw,
      mean as S,
      invstd as S,
      gamma as S | null,
      gx as S,
      ggamma as S | null,
      gbeta as S | null,
    );
  }
  batchNormUpdateRunning(
    rm: unknown,
    rv: unknown,
    mean: unknown,
    invstd: unknown,
    c: number,
    momentum: number,
    eps: number,
    count: number,
  ): void {
    bn.batchNormUpdateRunning(rm as S, rv as S, mean as S, invstd as S, c, momentum, eps, count);
  }

  reluBackward(gy: unknown, out: unknown, gx: unknown, size: number): void {
    bnRelu.reluBackward(gy as S, out as S, gx as S, size);
  }
  batchNormReluTrainForward(
    x: unknown,
    n: number,
    c: number,
    hw: number,
    gamma: unknown,
    beta: unknown,
    eps: number,
    out: unknown,
    mean: unknown,
    meanLo: unknown,
    invstd: unknown,
  ): void {
    bnRelu.batchNormReluTrainForward(x as S, n, c, hw, gamma as S | null, beta as S | null, eps, out as S, mean as S, meanLo as S, invstd as S);
  }
  batchNormReluBackward(
    gy: unknown,
    x: unknown,
    n: number,
    c: number,
    hw: number,
    mean: unknown,
    meanLo: unknown,
    invstd: unknown,
    gamma: unknown,
    beta: unknown,
    gx: unknown,
    ggamma: unknown,
    gbeta: unknown,
    gxSum: unknown = null,
  ): void {
    bnRelu.batchNormReluBackward(
      gy as S,
      x as S,
      n,
      c,
      hw,
      mean as S,
      meanLo as S,
      invstd as S,
      gamma as S | null,
      beta as S | null,
      gx as S,
      ggamma as S | null,
      gbeta as S | null,
    );
    if (gxSum) channelSums(gx as S, n, c, hw, gxSum as S);
  }

  batchNormReluMaxPoolTrainForward(
    x: unknown,
    n: number,
    c: number,
    h: number,
    w: number,
    gamma: unknown,
    beta: unknown,
    eps: number,
    out: unknown,
    mean: unknown,
    meanLo: unknown,
    invstd: unknown,
  ): void {
    bnReluPool.batchNormReluMaxPoolTrainForward(x as S, n, c, h, w, gamma as S | null, beta as S | null, eps, out as S, mean as S, meanLo as S, invstd as S);
  }
  batchNormReluMaxPoolBackward(
    gy: unknown,
    x: unknown,
    n: number,
    c: number,
    h: number,
    w: number,
    mean: unknown,
    meanLo: unknown,
    invstd: unknown,
    gamma: unknown,
    beta: unknown,
    gx: unknown,
    ggamma: unknown,
    gbeta: unknown,
    gxSum: unknown = null,
  ): void {
    bnReluPool.batchNormReluMaxPoolBackward(
      gy as S,
      x as S,
      n,
      c,
      h,
      w,
      mean as S,
      meanLo as S,
      invstd as S,
      gamma as S | null,
      beta as S | null,
      gx as S,
      ggamma as S | null,
      gbeta as S | null,
    );
    if (gxSum) channelSums(gx as S, n, c, h * w, gxSum as S);
  }

  batchNormAddReluTrainForward(z: unknown, r: unknown, scale: unknown, n: number, c: number, hw: number, gamma: unknown, beta: unknown, eps: number, out: unknown, mean: unknown, meanLo: unknown, invstd: unknown): void {
    bnAddRelu.batchNormAddReluTrainForward(z as S, r as S, scale as S | null, n, c, hw, gamma as S | null, beta as S | null, eps, out as S, mean as S, meanLo as S, invstd as S);
  }
  batchNormAddReluBackward(gy: unknown, out: unknown, z: unknown, r: unknown, scale: unknown, n: number, c: number, hw: number, mean: unknown, meanLo: unknown, invstd: unknown, gamma: unknown, gz: unknown, gr: unknown, ggamma: unknown, gbeta: unknown, gscale: unknown): void {
    const [sn, gn, ggn, gbn, gsn] = [scale, gamma, ggamma, gbeta, gscale] as (S | null)[];
    bnAddRelu.batchNormAddReluBackward(gy as S, out as S, z as S, r as S, sn, n, c, hw, mean as S, meanLo as S, invstd as S, gn, gz as S, gr as S, ggn, gbn, gsn);
  }

  philoxUniform(seedLo: number, seedHi: number, offset: number, out: unknown): void {
    philoxUniform((BigInt(seedHi) << 32n) | BigInt(seedLo), offset, out as S);
  }
  philoxNormal(seedLo: number, seedHi: number, offset: number, mean: number, std: number, out: unknown): void {
    philoxNormal((BigInt(seedHi) << 32n) | BigInt(seedLo), offset, out as S, mean, std);
  }
}
