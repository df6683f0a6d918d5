import type { Pruner } from './pruner';
import { randPruner, randLayerPruner } from './pruners/random';
import { magPruner } from './pruners/magnitude';
import { snipPruner, iterSnipPruner } from './pruners/snip';
import { graspPruner } from './pruners/grasp';
import { synflowPruner } from './pruners/synflow';
import { forcePruner } from './pruners/force';

/** Pruners that train while pruning (run by their own drivers, not the scoring loop). */
export const TRAINING_PRUNERS = {
  'gem-miner': 'Sreenivasan et al., 2022, "Rare gems: finding lottery tickets at initialization" (Gem-Miner)',
  imp: 'Frankle & Carbin, 2019, "The lottery ticket hypothesis" (iterative magnitude pruning with rewinding)',
} as const;

const SCORING = new Map<string, Pruner>(
  [randPruner, randLayerPruner, magPruner, snipPruner, graspPruner, synflowPruner, iterSnipPruner, forcePruner].map((p) => [p.name, p]),
);

/** Every pruner name, scoring pruners first. */
export function prunerNames(): string[] {
  return [...SCORING.keys(), ...Object.keys(TRAINING_PRUNERS)];
}

/** The scoring pruner of this name; throws listing the known ones. */
export function getPruner(name: string): Pruner {
  const p = SCORING.get(name);
  if (p) return p;
  if (name in TRAINING_PRUNERS) {
    throw new RangeError(`getPruner: '${name}' trains while pruning; run it with ${name === 'imp' ? 'iterativeMagnitudePrune' : 'gemMiner'} (or prune()/pai prune, which dispatch to it)`);
  }
  throw new RangeError(`unknown pruner '${name}'. Known pruners: ${prunerNames().join(', ')}`);
}

/** Whether `name` is a scoring pruner (runs in the pruning loop without training). */
export function isScoringPruner(name: string): boolean {
  return SCORING.has(name);
}
