/** How the density moves from 1 to the target over the pruning iterations. */
export type PruneSchedule = 'exponential' | 'linear';

/**
 * Density after iteration k of K (1-based) toward the final density d, as in the
 * Synaptic-Flow reference: exponential d^(k/K), linear 1 - (1 - d) k / K.
 * The last iteration always lands exactly on d.
 */
export function scheduledDensity(schedule: PruneSchedule, finalDensity: number, k: number, iterations: number): number {
  if (!Number.isInteger(iterations) || iterations < 1) throw new RangeError(`schedule: iterations must be a positive integer, got ${iterations}`);
  if (!Number.isInteger(k) || k < 1 || k > iterations) throw new RangeError(`schedule: step ${k} is outside 1..${iterations}`);
  if (k === iterations) return finalDensity;
  const t = k / iterations;
  switch (schedule) {
    case 'exponential':
      return Math.pow(finalDensity, t);
    case 'linear':
      return 1 - (1 - finalDensity) * t;
    default:
      throw new RangeError(`schedule: unknown schedule '${schedule as string}'; use 'exponential' or 'linear'`);
  }
}
