import type { Tensor } from '../tensor/tensor';

/**
 * One entry of the tape: how the gradient of an op's output flows to its inputs. The
 * backward is written with ops, so running it with grad mode on records a graph of the
 * gradient itself (higher-order gradients).
 */
export interface GradNode {
  /** The op's name, for error messages. */
  readonly op: string;
  /** The op's tensor inputs in the order of the gradients backward returns. */
  readonly inputs: readonly Tensor[];
  /** Maps the output's gradient to one gradient (or null) per input; null once released. */
  backward: ((gy: Tensor) => (Tensor | null)[]) | null;
  /** Tensors the backward reads; checked for disposal before it runs. */
  saved: readonly Tensor[];
}
