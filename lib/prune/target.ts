/**
 * Pruning targets in the field's three vocabularies:
 * - density d: the fraction of prunable weights kept, in (0, 1];
 * - sparsity: 1 - d;
 * - compression c, as in the SynFlow paper: d = 10^-c.
 */

/** A target given in exactly one of the three vocabularies. */
export type PruneTarget = { density: number } | { sparsity: number } | { compression: number };

/** Density (fraction kept) of a compression exponent c: d = 10^-c. */
export function compressionToDensity(c: number): number {
  return Math.pow(10, -c);
}

/** Compression exponent c of a density: c = -log10(d). */
export function densityToCompression(d: number): number {
  return -Math.log10(d);
}

/**
 * Resolves a target to a density in (0, 1], validating that exactly one vocabulary is
 * used and that the value is in range. Errors name the option and the fix.
 */
export function targetDensity(target: PruneTarget): number {
  const keys = Object.keys(target).filter((k) => (target as Record<string, unknown>)[k] !== undefined);
  if (keys.length !== 1)
    throw new RangeError(
      `prune target: give exactly one of density, sparsity or compression (got ${keys.length ? keys.join(', ') : 'none'})`,
    );
  const key = keys[0];
  const value = (target as Record<string, number>)[key];
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new TypeError(`prune target: ${key} must be a finite number, got ${String(value)}`);
  let d: number;
  if (key === 'density') {
    if (!(value > 0 && value <= 1)) throw new RangeError(`prune target: density must be in (0, 1], got ${value} (density is the fraction kept)`);
    d = value;
  } else if (key === 'sparsity') {
    if (!(value >= 0 && value < 1)) throw new RangeError(`prune target: sparsity must be in [0, 1), got ${value} (sparsity is the fraction removed)`);
    d = 1 - value;
  } else if (key === 'compression') {
    if (!(value >= 0)) throw new RangeError(`prune target: compression must be >= 0, got ${value} (density = 10^-compression)`);
    d = compressionToDensity(value);
  } else {
    throw new RangeError(`prune target: unknown key '${key}'; use density, sparsity or compression`);
  }
  return d;
}

/** Exact number of survivors for n weights at density d: round(d * n). */
export function keepCount(density: number, n: number): number {
  return Math.min(n, Math.max(0, Math.round(density * n)));
}
