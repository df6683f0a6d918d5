import { Tensor } from '../../tensor';
import { batchNorm, batchNormAddRelu, batchNormRelu, batchNormReluMaxPool2d } from '../../ops';
import { Module } from '../module';
import { Parameter } from '../parameter';
import { checkPositive } from './linear';

/** Options of {@link BatchNorm1d} and {@link BatchNorm2d}. */
export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new batch statistic in the running average (PyTorch convention, default 0.1). */
  momentum?: number;
}

/**
 * Batch normalization over channel dimension 1 (PyTorch `nn.BatchNorm1d/2d` with affine and
 * running statistics): weight 1, bias 0; buffers running_mean, running_var and
 * num_batches_tracked, saved in the state dict under PyTorch's names.
 */
abstract class BatchNorm extends Module {
  readonly eps: number;
  readonly momentum: number;
  /** Training batches seen (mirrors the num_batches_tracked buffer). */
  numBatchesTracked = 0;

  constructor(
    readonly numFeatures: number,
    opts: BatchNormOptions = {},
  ) {
    super();
    checkPositive(this.constructor.name, { numFeatures });
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.registerParameter('weight', Parameter.filled([numFeatures], 1));
    this.registerParameter('bias', Parameter.filled([numFeatures], 0));
    this.registerBuffer('running_mean', Tensor.fromStorage(new Float32Array(numFeatures), [numFeatures]));
    this.registerBuffer('running_var', Tensor.fromStorage(new Float32Array(numFeatures).fill(1), [numFeatures]));
    this.registerBuffer('num_batches_tracked', Tensor.fromStorage(new Float32Array(1), []));
  }

  /** Scale gamma [c]. */
  get weight(): Parameter {
    return this.getParameter('weight')!;
  }

  /** Shift beta [c]. */
  get bias(): Parameter {
    return this.getParameter('bias')!;
  }

  /** Running mean [c]. */
  get runningMean(): Tensor {
    return this.getBuffer('running_mean')!;
  }

  /** Running (unbiased) variance [c]. */
  get runningVar(): Tensor {
    return this.getBuffer('running_var')!;
  }

  protected abstract checkInput(x: Tensor): void;

  override forward(x: Tensor): Tensor {
    return this.normalize(x, batchNorm);
  }

  /**
   * relu(forward(x)) as one fused op in training (the statistics, running-statistics update
   * and gradients are forward's); Sequential calls it for a batch norm followed by a ReLU.
   */
  forwardRelu(x: Tensor): Tensor {
    return this.normalize(x, batchNormRelu);
  }

  /**
   * relu(forward(x) + residual), or relu(forward(x) + scale ⊙ residual) with a per-channel
   * scale, as one fused op in training (a residual block's tail; the statistics,
   * running-statistics update and gradients are forward's).
   */
  forwardAddRelu(x: Tensor, residual: Tensor, scale: Tensor | null = null): Tensor {
    return this.normalize(x, (z, opts) => batchNormAddRelu(z, residual, opts, scale));
  }

  protected normalize(x: Tensor, op: typeof batchNorm): Tensor {
    this.checkInput(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${this.constructor.name}: input has ${x.shape[1]} channels, expected ${this.numFeatures}`);
    }
    if (this.training) {
      this.numBatchesTracked++;
      this.getBuffer('num_batches_tracked')!.fill_(this.numBatchesTracked);
    }
    return op(x, {
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      weight: this.weight,
      bias: this.bias,
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }

  protected override afterLoadStateDict(): void {
    this.numBatchesTracked = Math.round(this.getBuffer('num_batches_tracked')!.data()[0]);
  }
}

/** Batch norm over [n, c] input. */
export class BatchNorm1d extends BatchNorm {
  protected override checkInput(x: Tensor): void {
    if (x.ndim !== 2) throw new RangeError(`BatchNorm1d: expected [n, c] input, got [${x.shape}]`);
  }
}

/** Batch norm over [n, c, h, w] input. */
export class BatchNorm2d extends BatchNorm {
  protected override checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d: expected [n, c, h, w] input, got [${x.shape}]`);
  }

  /**
   * maxPool2d(relu(forward(x)), 2x2 windows, stride 2) as one fused op in training (no
   * full-size activation kept); Sequential calls it for batch norm, ReLU, 2x2 max-pool.
   */
  forwardReluMaxPool2d(x: Tensor): Tensor {
    return this.normalize(x, batchNormReluMaxPool2d);
  }
}
