import { Tensor, tidy } from '../tensor';
import { crossEntropy } from '../ops';
import { noGrad } from '../autograd';
import type { Module } from '../nn/module';
import { checkBatch, type BatchSource } from './batches';
import { EpochMeter } from './metrics';

/** Loss and accuracies over a data set. */
export interface EvalResult {
  /** Mean cross-entropy per sample. */
  loss: number;
  /** Top-1 accuracy in [0, 1]. */
  top1: number;
  /** Top-5 accuracy in [0, 1] (top-k, k = classes, with fewer than 5 classes). */
  top5: number;
  samples: number;
}

/** Runs `model` in evaluation mode (no gradients) over `epoch`'s batches of `source`; restores the mode after. */
export async function evaluate(model: Module, source: BatchSource, opts: { epoch?: number; signal?: AbortSignal } = {}): Promise<EvalResult> {
  const wasTraining = model.training;
  model.eval();
  const meter = new EpochMeter();
  const device = model.device();
  try {
    for await (const b of source.epoch(opts.epoch ?? 0)) {
      opts.signal?.throwIfAborted();
      checkBatch(b, 'evaluate');
      tidy(() =>
        noGrad(() => {
          const logits = model.forward(Tensor.fromStorage(b.x, b.batchShape).to(device));
          const loss = crossEntropy(logits, b.y);
          meter.add(loss.item(), logits.data() as Float32Array, b.y, logits.shape[1]);
        }),
      );
      await yieldToEventLoop();
    }
  } finally {
    model.train(wasTraining);
  }
  return { loss: meter.loss, top1: meter.top1, top5: meter.top5, samples: meter.samples };
}

/** Lets timers, I/O and abort handlers run between steps. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
