import { writeArenaScores } from '../segment-scores';
import type { Pruner } from '../pruner';

/** Magnitude pruning at initialization: score |θ| (one kernel over the arena). */
export const magPruner: Pruner = {
  name: 'mag',
  paper: 'magnitude baseline (Han et al., 2015; at initialization as in Tanaka et al., 2020)',
  needsData: false,
  defaultIterations: 1,
  defaultScope: 'global',
  scoresOnDevice: true,
  score(ctx) {
    const device = ctx.device;
    if (device) ctx.arena.prunableParameters().forEach((e, i) => device.write(i, 'abs', e.param, null));
    else writeArenaScores(ctx, 'abs', ctx.arena.prunableValues, null);
  },
};
