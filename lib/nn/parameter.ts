import { Tensor } from '../tensor';
import type { CompressedParameter } from './compressed-block';

/** Options of {@link Parameter.over}. */
export interface ParameterOptions {
  /** Whether pruning may remove entries of this parameter (conv and linear weights). */
  prunable?: boolean;
}

/**
 * A trainable tensor of a module: a leaf that requires gradients. `mask` (0/1, same shape,
 * a view into the model's mask arena) is set once the model is pruned; `prunable` marks
 * the parameters pruning scores (conv and linear weights).
 */
export class Parameter extends Tensor {
  /** 0/1 mask of the same shape, or null while unpruned. */
  mask: Tensor | null = null;
  /** Whether pruning may remove entries (conv and linear weights). */
  prunable = false;
  /**
   * Set while the model runs this weight compressed ({@link compressModel}): its layer then
   * computes with the survivors only, and this dense view takes them when read (after
   * optimizer steps on the host it is written lazily, at the first read).
   */
  compressed: CompressedParameter | null = null;

  protected override beforeRead(): void {
    this.compressed?.refreshDense();
  }

  /** A parameter over `storage` without copying (e.g. a window of the parameter arena). */
  static over(storage: Float32Array, shape: readonly number[], opts: ParameterOptions = {}): Parameter {
    const wrapped = Tensor.fromStorage(storage, shape);
    const p = new Parameter(wrapped.storageRef('Parameter').retain(), wrapped.shape, true);
    wrapped.dispose();
    p.prunable = opts.prunable ?? false;
    return p;
  }

  /** A parameter of the given shape filled with `value` (0 by default), with its own storage. */
  static filled(shape: readonly number[], value = 0, opts: ParameterOptions = {}): Parameter {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (value !== 0) data.fill(value);
    return Parameter.over(data, shape, opts);
  }
}
