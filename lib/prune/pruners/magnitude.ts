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
    if (ctx.device) ctx.device.writeParameters('abs');
    else writeArenaScores(ctx, 'abs', ctx.arena.prunableValues, null);
  },
};
