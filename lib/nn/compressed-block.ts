/**
 * The compressed weights of a model as one block: the survivors of every compressed layer,
 * CSR order, in one Float32Array (each layer's trainable [nnz] values a view of it), with a
 * gradient block of the same layout. The optimizer updates this block, so its state has nnz
 * entries per compressed layer; the dense arena views take its survivors when read (the
 * pruned entries stay exactly 0), so state dicts, checkpoints and metrics read them as
 * before. After host steps that scatter is lazy: it runs at the first read of the arena's
 * `values` or of a compressed weight (see {@link CompressedParameter.refreshDense}). On a
 * device the layers compute with a device copy of the block (each layer's values a window
 * of it), which {@link CompressedBlock.upload} refreshes after a step, as the arena's
 * DeviceMirror does for the dense parameters.
 */
import { compressWeight, type CompressedWeight } from '../backend/sparse/compressed';
import { compressValues, scatterValues } from '../backend/sparse/pattern';
import type { Device } from '../backend';
import type { Tensor } from '../tensor';
import { sparseKernels } from '../ops/sparse-linear';
import { DeviceMirror } from './device-mirror';
import { Parameter } from './parameter';

/** What a compressed layer computes with: the fixed pattern and its trainable survivors. */
export interface CompressedParameter {
  /** Dense shape and CSR/CSC pattern, built once from the mask. */
  readonly weight: CompressedWeight;
  /** The surviving values [nnz] (a view of the block), the parameter gradients land on. */
  readonly values: Parameter;
  /** Brings the dense weight up to date with the survivors (run before each read of it). */
  readonly refreshDense: () => void;
}

/** One compressed weight in the block. */
export interface CompressedMember {
  /** State-dict key of the dense weight. */
  readonly key: string;
  /** The dense parameter (a view of the arena), whose `compressed` field points here. */
  readonly dense: Parameter;
  /** First element of the dense weight in the arena. */
  readonly denseOffset: number;
  /** First element of the survivors in the block. */
  readonly offset: number;
  readonly compressed: CompressedParameter;
}

/** A dense weight to compress: its key, parameter, arena offset and 0/1 mask. */
export interface CompressionInput {
  key: string;
  param: Parameter;
  denseOffset: number;
  mask: Float32Array;
}

/** The survivors of a model's compressed layers (see the file comment). */
export class CompressedBlock {
  readonly values: Float32Array;
  readonly grads: Float32Array;
  readonly members: readonly CompressedMember[];
  /** Device windows of the whole block and of each member's gradient, built on first use. */
  private device: { values: Tensor; grads: Tensor; memberGrads: (Tensor | null)[] } | null = null;

  private constructor(
    values: Float32Array,
    members: CompressedMember[],
    private readonly mirror: DeviceMirror | null,
  ) {
    this.values = values;
    this.grads = new Float32Array(values.length);
    this.members = members;
  }

  /**
   * Builds the patterns (O(weights) once) and copies the survivors out of the dense
   * weights; sets each dense parameter's `compressed` field, which its layer then uses.
   */
  static build(inputs: readonly CompressionInput[], device: Device, refreshDense: () => void): CompressedBlock {
    const built = inputs.map((i) => ({ i, c: compressWeight(i.param.data() as Float32Array, i.mask, i.param.shape) }));
    const total = built.reduce((s, b) => s + b.c.weight.pattern.nnz, 0);
    const values = new Float32Array(total);
    let offset = 0;
    for (const { c } of built) {
      values.set(c.values, offset);
      offset += c.weight.pattern.nnz;
    }
    const mirror = device === 'cpu' ? null : new DeviceMirror(device, values, null);
    const members: CompressedMember[] = [];
    offset = 0;
    for (const { i, c } of built) {
      const nnz = c.weight.pattern.nnz;
      const host = values.subarray(offset, offset + nnz);
      const param = mirror ? mirror.parameter(offset, [nnz], false, host) : Parameter.over(host, [nnz]);
      const compressed: CompressedParameter = { weight: c.weight, values: param, refreshDense };
      i.param.compressed = compressed;
      members.push({ key: i.key, dense: i.param, denseOffset: i.denseOffset, offset, compressed });
      offset += nnz;
    }
    return new CompressedBlock(values, members, mirror);
  }

  /** Copies each layer's [nnz] gradient into `grads` (zeros where a layer got none). */
  gatherGrads(): void {
    for (const m of this.members) {
      const nnz = m.compressed.weight.pattern.nnz;
      const g = m.compressed.values.grad;
      if (g) this.grads.set(g.data() as Float32Array, m.offset);
      else this.grads.fill(0, m.offset, m.offset + nnz);
    }
  }

  /** Writes the block's survivors into the dense arena `dense` (pruned entries untouched, i.e. 0). */
  scatterTo(dense: Float32Array): void {
    this.scatter(this.values, dense);
  }

  /** Re-reads the survivors from the dense arena after it was written from outside (a loaded state dict). */
  gatherFrom(dense: Float32Array): void {
    this.gather(dense, this.values);
  }

  /** Scatters a block-layout array `src` into the arena-layout array `dst` at the survivors. */
  scatter(src: Float32Array, dst: Float32Array): void {
    // decompress() without its zero fill: the pruned entries of the dense arena are 0 already.
    for (const m of this.members) {
      const p = m.compressed.weight.pattern;
      scatterValues(p, src.subarray(m.offset, m.offset + p.nnz), dst.subarray(m.denseOffset, m.denseOffset + p.rows * p.cols));
    }
  }

  /** Gathers the survivors of the arena-layout array `src` into the block-layout `dst`. */
  gather(src: Float32Array, dst: Float32Array): void {
    for (const m of this.members) {
      const p = m.compressed.weight.pattern;
      compressValues(p, src.subarray(m.denseOffset, m.denseOffset + p.rows * p.cols), dst.subarray(m.offset, m.offset + p.nnz));
    }
  }

  /**
   * On a device: the survivors and their gradients as device tensors (windows of the device
   * block), each layer's gradient copied in on the device. Null on cpu, for an empty block, or
   * where the backend cannot share storage (the optimizer then steps on the host copy).
   */
  deviceSegment(): { values: Tensor; grads: Tensor } | null {
    const mirror = this.mirror;
    if (!mirror || this.values.length === 0) return null;
    if (!this.device) {
      const n = this.values.length;
      const values = mirror.window('values', 0, [n]);
      const grads = mirror.window('grads', 0, [n]);
      if (!values || !grads) return null;
      const memberGrads = this.members.map((m) => {
        const nnz = m.compressed.weight.pattern.nnz;
        return nnz > 0 ? mirror.window('grads', m.offset, [nnz]) : null;
      });
      this.device = { values, grads, memberGrads };
    }
    this.members.forEach((m, i) => {
      const w = this.device!.memberGrads[i];
      const g = m.compressed.values.grad;
      if (!w) return;
      if (g) w.copy_(g);
      else w.zero_();
    });
    return { values: this.device.values, grads: this.device.grads };
  }

  /**
   * After a step on the device: each dense weight's device window takes its survivors (a
   * scatter over nnz), so state dicts and decompression read current weights without a
   * host round trip.
   */
  scatterOnDevice(): void {
    for (const m of this.members) {
      const p = m.compressed.weight.pattern;
      if (p.nnz === 0) continue;
      const kernels = sparseKernels('CompressedBlock.scatterOnDevice', m.dense);
      kernels.scatterValues(p, m.compressed.values.storage('CompressedBlock.scatterOnDevice'), m.dense.storage('CompressedBlock.scatterOnDevice'));
    }
  }

  /** Copies the device survivors into `values` (after steps on the device; no-op on cpu). */
  download(): void {
    this.mirror?.download(this.values);
  }

  /** After the host survivors were written (an optimizer step): copies them to the device copy (no-op on cpu). */
  upload(): void {
    this.mirror?.upload(this.values, null);
  }

  /** Ends compressed execution: the dense parameters compute again (their values are current). */
  release(): void {
    if (this.device) {
      this.device.values.dispose();
      this.device.grads.dispose();
      for (const g of this.device.memberGrads) g?.dispose();
      this.device = null;
    }
    for (const m of this.members) {
      m.dense.compressed = null;
      m.compressed.values.grad?.dispose();
      m.compressed.values.grad = null;
      m.compressed.values.dispose();
    }
    this.mirror?.dispose();
  }
}
