import type { Normalization } from './dataset';

// The constants of the reference code (Synaptic-Flow, Utils/load.py), so that pruning
// scores computed on the same images match. Its CIFAR values are the usual
// (0.4914, 0.4822, 0.4465) / (0.2470, 0.2435, 0.2616) rounded to three decimals; its
// MNIST values are the usual 0.1307 / 0.3081. Fashion-MNIST is not in the reference; its
// constants are the training set's pixel mean and standard deviation.

/** MNIST (also the embedded digits and `mnist-idx`): mean 0.1307, std 0.3081. */
export const MNIST_NORMALIZATION: Normalization = Object.freeze({ mean: [0.1307], std: [0.3081] });
/** Fashion-MNIST: mean 0.2860, std 0.3530. */
export const FASHION_MNIST_NORMALIZATION: Normalization = Object.freeze({ mean: [0.286], std: [0.353] });
/** CIFAR-10 per channel (R, G, B), as in the reference code. */
export const CIFAR10_NORMALIZATION: Normalization = Object.freeze({ mean: [0.491, 0.482, 0.447], std: [0.247, 0.243, 0.262] });
/** CIFAR-100 per channel (R, G, B), as in the reference code. */
export const CIFAR100_NORMALIZATION: Normalization = Object.freeze({ mean: [0.507, 0.487, 0.441], std: [0.267, 0.256, 0.276] });

/** Training-time augmentation: random crop of the original size after zero padding, then horizontal flip. */
export interface Augmentation {
  /** Zero padding on each side before the random crop, in pixels (0 disables cropping). */
  padding: number;
  /** Flip each image left-right with probability 1/2. */
  horizontalFlip: boolean;
}

/** The reference CIFAR augmentation: RandomCrop(32, padding=4) then RandomHorizontalFlip(). */
export const CIFAR_AUGMENTATION: Augmentation = Object.freeze({ padding: 4, horizontalFlip: true });

/**
 * The augmentation the reference code applies to a training split of the named dataset
 * family, or null for none (MNIST-like data is not augmented).
 */
export function standardAugmentation(name: string): Augmentation | null {
  return name === 'cifar10' || name === 'cifar100' ? CIFAR_AUGMENTATION : null;
}
