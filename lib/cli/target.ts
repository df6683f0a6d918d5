import { Target, targetFromCompression, targetFromDensity } from '../experiments/results';
import { UserError } from './errors';

/** The three ways to give a target on the command line, as typed (strings or undefined). */
export interface TargetFlags {
  compression?: string;
  density?: string;
  sparsity?: string;
}

function parseNumber(flag: string, raw: string): number {
  const v = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UserError(`--${flag} must be a number, got '${raw}'`, `e.g. --${flag} ${flag === 'compression' ? '1.5' : '0.05'}`);
  return v;
}

/**
 * The pruning target from exactly one of --compression (c, density 10^-c), --density
 * (fraction kept) or --sparsity (fraction removed). Density must be in (0, 1], so
 * sparsity in [0, 1) and compression >= 0. Throws UserError otherwise.
 * @example resolveTarget({ compression: '2' }) // { density: 0.01, sparsity: 0.99, compression: 2 }
 */
export function resolveTarget(flags: TargetFlags, opts: { required?: boolean } = {}): Target | null {
  const given = (['compression', 'density', 'sparsity'] as const).filter((k) => flags[k] !== undefined);
  if (given.length > 1) {
    throw new UserError(
      `give only one of --compression, --density, --sparsity (got ${given.map((k) => '--' + k).join(' and ')})`,
      'they are three words for one target: density = 10^-compression = 1 - sparsity',
    );
  }
  if (!given.length) {
    if (opts.required === false) return null;
    throw new UserError('no pruning target: give --compression, --density or --sparsity', 'e.g. --compression 1.5 keeps 10^-1.5 = 3.16% of the prunable weights');
  }
  const flag = given[0];
  const v = parseNumber(flag, flags[flag]!);
  if (flag === 'compression') {
    if (v < 0) throw new UserError(`--compression must be >= 0 (density 10^-c), got ${v}`, 'compression 0 is dense, 1 keeps 10%, 2 keeps 1%');
    return targetFromCompression(v);
  }
  if (flag === 'density') {
    if (!(v > 0 && v <= 1)) throw new UserError(`--density must be in (0, 1], got ${v}`, 'density is the fraction of prunable weights kept, e.g. 0.05 for 5%');
    return targetFromDensity(v);
  }
  if (!(v >= 0 && v < 1)) throw new UserError(`--sparsity must be in [0, 1), got ${v}`, 'sparsity is the fraction of prunable weights removed, e.g. 0.95');
  return targetFromDensity(1 - v);
}

/**
 * A list of targets for a grid: `--compressions 0.5,1,2` or a range `0:6:0.25`
 * (start:stop:step, stop included), or `--densities 0.1,0.01`, or `--sparsities 0.9,0.99`.
 * Exactly one of the three; each value is checked as in {@link resolveTarget}.
 */
export function resolveTargets(flags: { compressions?: string; densities?: string; sparsities?: string }, fallback?: string): Target[] {
  const given = (['compressions', 'densities', 'sparsities'] as const).filter((k) => flags[k] !== undefined);
  if (given.length > 1) throw new UserError(`give only one of --compressions, --densities, --sparsities (got ${given.map((k) => '--' + k).join(' and ')})`, 'density = 10^-compression = 1 - sparsity');
  const flag = given[0] ?? 'compressions';
  const raw = given.length ? flags[flag]! : fallback;
  if (raw === undefined) throw new UserError('no pruning targets: give --compressions, --densities or --sparsities', 'e.g. --compressions 0:3:0.5 or --compressions 1,2,3');
  const single = flag === 'compressions' ? 'compression' : flag === 'densities' ? 'density' : 'sparsity';
  const values = parseNumberList(`--${flag}`, raw);
  return values.map((v) => resolveTarget({ [single]: String(v) }) as Target);
}

/** "1,2,3" or "start:stop:step" (inclusive of stop within 1e-9) into numbers. */
export function parseNumberList(flag: string, raw: string): number[] {
  const text = raw.trim();
  const hint = `e.g. ${flag} 1,1.5,2 or ${flag} 0:6:0.25 (start:stop:step)`;
  if (text.includes(':')) {
    const parts = text.split(':').map((s) => Number(s.trim()));
    if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p))) throw new UserError(`${flag}: a range is start:stop:step, got '${raw}'`, hint);
    const [start, stop, step] = parts;
    if (!(step > 0) || stop < start) throw new UserError(`${flag}: a range needs step > 0 and stop >= start, got '${raw}'`, hint);
    const n = Math.floor((stop - start) / step + 1e-9);
    if (n > 10000) throw new UserError(`${flag}: the range has ${n + 1} values`, 'use a larger step');
    return Array.from({ length: n + 1 }, (_, i) => Number((start + i * step).toPrecision(12)));
  }
  const items = text.split(',').map((s) => s.trim());
  if (!items.length || items.some((s) => s === '' || !Number.isFinite(Number(s)))) throw new UserError(`${flag}: expected numbers separated by commas, got '${raw}'`, hint);
  return items.map(Number);
}
