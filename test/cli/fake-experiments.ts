import * as fs from 'fs';
import * as path from 'path';
import type { ExperimentsModule, RunHooks } from '../../lib/cli/library-api';
import type { PruneResults, TrainResults } from '../../lib/experiments/results';
import * as fx from '../experiments/report/fixtures';

/** A stand-in for lib/experiments that records its calls and answers with fixtures. */
export function fakeExperiments() {
  const calls: { fn: string; config: Record<string, unknown>; hooks: RunHooks }[] = [];
  const record = (fn: string, config: object, hooks: RunHooks) => {
    calls.push({ fn, config: config as Record<string, unknown>, hooks });
    hooks.onProgress?.({ phase: fn, done: 1, total: 1, unit: 'runs' });
  };
  const writeTensors = (dir: string | undefined) => {
    if (!dir) return;
    fs.writeFileSync(path.join(dir, 'masks.safetensors'), 'm');
    fs.writeFileSync(path.join(dir, 'weights.safetensors'), 'w');
  };
  const prune = (): PruneResults => {
    const t = fx.trainResults();
    return { ...t, kind: 'prune', settings: fx.PRUNE_SETTINGS, prune: t.prune! };
  };
  const impl: ExperimentsModule = {
    runPrune: async (config, hooks) => (record('runPrune', config, hooks), writeTensors(config.outDir), prune()),
    runTrain: async (config, hooks): Promise<TrainResults> => (record('runTrain', config, hooks), writeTensors(config.outDir), fx.trainResults()),
    singleshot: async (config, hooks) => (record('singleshot', config, hooks), fx.singleshot(config.pruners, config.targets.map((t) => t.compression), config.seeds)),
    multishot: async (config, hooks) => {
      record('multishot', config, hooks);
      const doc = fx.singleshot(['imp'], [0, 0.5, 1], config.seeds);
      return { ...doc, kind: 'multishot', rate: config.rate, levels: config.levels, rewindStep: config.rewindStep, runs: doc.runs.map((r, i) => ({ ...r, level: i % 3 })) };
    },
    collapse: async (config, hooks) => (record('collapse', config, hooks), fx.collapse()),
    conservation: async (config, hooks) => (record('conservation', config, hooks), fx.conservation()),
    sanity: async (config, hooks) => {
      record('sanity', config, hooks);
      const base = fx.singleshot(config.pruners, [config.target.compression], config.seeds);
      const checks = ['original', ...config.checks] as const;
      const runs = checks.flatMap((check) => base.runs.map((r) => ({ ...r, check })));
      return { ...base, kind: 'sanity', checks: [...checks], runs };
    },
  };
  return { impl, calls };
}
