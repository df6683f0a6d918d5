import { targetDensity, type PruneTarget } from '../prune/target';
import { targetFromCompression, targetFromDensity, type Target } from './results';

/**
 * A Target in all three words from a target in any one of them (density, sparsity or
 * compression) or a complete Target. A given compression is kept exactly (1.5 stays 1.5).
 */
export function toTarget(t: PruneTarget | Target): Target {
  const given = t as Partial<Target>;
  const words = (['density', 'sparsity', 'compression'] as const).filter((k) => given[k] !== undefined);
  if (words.length === 3) {
    targetDensity({ density: given.density! });
    return { density: given.density!, sparsity: given.sparsity!, compression: given.compression! };
  }
  const density = targetDensity(t as PruneTarget);
  return words[0] === 'compression' ? targetFromCompression(given.compression!) : targetFromDensity(density);
}

/** The default sweep of the collapse experiment: c = 0, 0.25, ..., 6. */
export function defaultCompressions(): number[] {
  return Array.from({ length: 25 }, (_, i) => i * 0.25);
}
