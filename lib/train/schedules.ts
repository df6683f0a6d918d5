/**
 * Learning-rate schedules as plain data, so that a checkpoint can store them in its JSON
 * metadata and a resumed run computes exactly the same rates.
 */
export type LrScheduleSpec =
  | { kind: 'constant' }
  /** PyTorch `MultiStepLR`: the rate is multiplied by `gamma` (default 0.1) at each milestone epoch. */
  | { kind: 'multistep'; milestones: number[]; gamma?: number }
  /** PyTorch `CosineAnnealingLR` stepped per epoch: from the base rate down to `minLr` over `epochs`. */
  | { kind: 'cosine'; epochs: number; minLr?: number };

/** A schedule plus an optional linear warm-up over the first `warmupEpochs` epochs (per step). */
export interface LrSchedule {
  schedule: LrScheduleSpec;
  /** Epochs of linear warm-up from lr / (warm-up steps) up to the scheduled rate; 0 for none. */
  warmupEpochs?: number;
}

function validate(s: LrSchedule): void {
  const spec = s.schedule;
  if (spec.kind === 'multistep') {
    if (!Array.isArray(spec.milestones) || spec.milestones.some((m) => !Number.isInteger(m) || m < 0)) {
      throw new RangeError(`lr schedule: multistep milestones must be non-negative integer epochs, got ${JSON.stringify(spec.milestones)}`);
    }
    if (spec.gamma !== undefined && !(spec.gamma > 0)) throw new RangeError(`lr schedule: gamma must be > 0, got ${spec.gamma}`);
  } else if (spec.kind === 'cosine') {
    if (!(spec.epochs > 0)) throw new RangeError(`lr schedule: cosine epochs must be > 0, got ${spec.epochs}`);
  } else if (spec.kind !== 'constant') {
    throw new RangeError(`lr schedule: unknown kind '${(spec as { kind: string }).kind}' (known: constant, multistep, cosine)`);
  }
  if (s.warmupEpochs !== undefined && !(s.warmupEpochs >= 0)) {
    throw new RangeError(`lr schedule: warmupEpochs must be >= 0, got ${s.warmupEpochs}`);
  }
}

/** The scheduled rate (warm-up excluded) during 0-based `epoch`. */
export function scheduledLr(spec: LrScheduleSpec, baseLr: number, epoch: number): number {
  switch (spec.kind) {
    case 'constant':
      return baseLr;
    case 'multistep': {
      const drops = spec.milestones.filter((m) => m <= epoch).length;
      return baseLr * Math.pow(spec.gamma ?? 0.1, drops);
    }
    case 'cosine': {
      const minLr = spec.minLr ?? 0;
      const t = Math.min(epoch, spec.epochs);
      return minLr + ((baseLr - minLr) * (1 + Math.cos((Math.PI * t) / spec.epochs))) / 2;
    }
  }
}

/**
 * The learning rate for step `step` (0-based) of 0-based `epoch`, with `stepsPerEpoch` steps
 * per epoch. Warm-up scales linearly by (global step + 1) / (warm-up steps).
 */
export function learningRateAt(s: LrSchedule, baseLr: number, epoch: number, step: number, stepsPerEpoch: number): number {
  validate(s);
  const lr = scheduledLr(s.schedule, baseLr, epoch);
  const warm = (s.warmupEpochs ?? 0) * stepsPerEpoch;
  if (warm <= 0) return lr;
  const global = epoch * stepsPerEpoch + step + 1;
  return global >= warm ? lr : (lr * global) / warm;
}

/** Checks a schedule once, up front, so that a bad one fails before any training. */
export function validateLrSchedule(s: LrSchedule): void {
  validate(s);
}
