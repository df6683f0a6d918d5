import { Tensor, tidy } from '../tensor';
import { crossEntropy, mul } from '../ops';
import type { Module } from '../nn/module';
import type { Device } from '../backend';
import type { BatchSource } from '../train/batches';
import { checkBatch } from '../train/batches';

/** Drops every parameter's gradient (so the next backward starts from zero). */
export function clearGrads(model: Module): void {
  for (const p of model.parameters()) {
    p.grad?.dispose();
    p.grad = null;
  }
}

/** A tensor of host values on `device` (a copy there, the host wrapper freed; zero-copy on the cpu). */
export function hostTensorOn(values: Float32Array, shape: readonly number[], device: Device): Tensor {
  const host = Tensor.fromStorage(values, shape);
  const t = host.to(device);
  if (t !== host) host.dispose();
  return t;
}

/**
 * Every batch of one epoch of a pruning set (epoch 0 by default), as tensors on `device`
 * (the model's), with shape checks. The caller disposes each x.
 */
export async function* pruningBatches(data: BatchSource, where: string, device: Device, epoch = 0): AsyncGenerator<{ x: Tensor; y: Int32Array }> {
  for await (const b of data.epoch(epoch)) {
    checkBatch(b, where);
    yield { x: hostTensorOn(b.x, b.batchShape, device), y: b.y };
  }
}

/**
 * Accumulates d(sum over batches of the batch-mean cross-entropy of logits / temperature)
 * / d(parameters) into the parameters' .grad, as the reference pruners do (one backward
 * per batch). Returns the summed loss.
 */
export async function accumulateLossGradients(
  model: Module,
  data: BatchSource,
  opts: { temperature?: number; signal?: AbortSignal; where: string; maxBatches?: number; epoch?: number },
): Promise<number> {
  let total = 0;
  let seen = 0;
  for await (const { x, y } of pruningBatches(data, opts.where, model.device(), opts.epoch ?? 0)) {
    opts.signal?.throwIfAborted();
    total += tidy(() => {
      let logits = model.forward(x);
      if (opts.temperature !== undefined && opts.temperature !== 1) logits = mul(logits, 1 / opts.temperature);
      const loss = crossEntropy(logits, y);
      const v = loss.item();
      loss.backward();
      return v;
    });
    x.dispose();
    if (opts.maxBatches !== undefined && ++seen >= opts.maxBatches) break;
  }
  return total;
}
