import {
  CollapseResults,
  ConservationResults,
  LayerStats,
  PruneRecord,
  PruneSettings,
  resultsHeader,
  RunRecord,
  SingleShotResults,
  targetFromCompression,
  TrainRecord,
  TrainResults,
  TrainSettings,
} from '../../../lib/experiments/results';

/** Deterministic pseudo-random numbers in [0, 1) (an LCG), so fixtures never change. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export const LAYERS = [
  { name: 'conv1.weight', shape: [20, 1, 5, 5] },
  { name: 'conv2.weight', shape: [50, 20, 5, 5] },
  { name: 'fc1.weight', shape: [500, 800] },
  { name: 'fc2.weight', shape: [10, 500] },
].map((l) => ({ ...l, params: l.shape.reduce((a, b) => a * b, 1) }));

export const MODEL = { name: 'lenet5', inputShape: [1, 28, 28], numClasses: 10, params: 431080, prunable: LAYERS.reduce((a, l) => a + l.params, 0) };
export const DATA = { name: 'mnist', dir: null, trainSize: 8000, testSize: 2000 };

export const PRUNE_SETTINGS: PruneSettings = {
  pruner: 'synflow',
  schedule: 'exponential',
  iterations: 100,
  scope: 'global',
  prunable: { bias: false, batchnorm: false, shortcut: false, classifier: true },
  scoreMode: 'eval',
  samples: 100,
  batchSize: 256,
  extra: {},
};

export const TRAIN_SETTINGS: TrainSettings = {
  optimizer: 'adam',
  lr: 1e-3,
  momentum: 0.9,
  nesterov: false,
  weightDecay: 0,
  lrSchedule: 'constant',
  milestones: [],
  lrDrop: 0.1,
  warmupEpochs: 0,
  epochs: 2,
  batchSize: 60,
  augment: false,
  sparse: 'auto',
};

const header = () => ({ ...resultsHeader('0.1.0', new Date('2026-01-01T00:00:00Z')), backend: 'reference', model: MODEL, data: DATA });

/** Layer densities that put more weight on small layers for synflow and spread evenly otherwise. */
export function pruneRecord(pruner: string, compression: number, seed: number): PruneRecord {
  const target = targetFromCompression(compression);
  const rnd = lcg(seed * 7919 + compression * 100 + pruner.length);
  const layers: LayerStats[] = LAYERS.map((l, i) => {
    const tilt = pruner === 'synflow' ? Math.pow(10, (LAYERS.length - 1 - i) * 0.4 - 0.3) : 0.9 + 0.2 * rnd();
    const density = Math.min(1, target.density * tilt);
    const survivors = Math.round(density * l.params);
    return { name: l.name, shape: l.shape, params: l.params, survivors, density: survivors / l.params };
  });
  const survivors = layers.reduce((a, l) => a + l.survivors, 0);
  const collapsed = layers.filter((l) => l.survivors === 0).map((l) => l.name);
  return { pruner, seed, target, density: survivors / MODEL.prunable, survivors, prunable: MODEL.prunable, layers, collapsed, pathExists: collapsed.length === 0, synapticFlow: null, seconds: 0.5 };
}

export function trainRecord(top1: number, epochs = 2): TrainRecord {
  const list = Array.from({ length: epochs }, (_, i) => ({
    epoch: i + 1,
    lr: 1e-3,
    train: { loss: 1 / (i + 2), top1: top1 - 0.05 + 0.02 * i, top5: 0.99 },
    test: { loss: 1 / (i + 2), top1: top1 - 0.02 * (epochs - 1 - i), top5: 0.99 },
    seconds: 10,
  }));
  return { epochs: list, final: list[list.length - 1].test, best: { epoch: epochs, top1 }, seconds: 10 * epochs };
}

/** A singleshot grid: pruners x compressions x seeds, accuracy falling with compression. */
export function singleshot(pruners = ['synflow', 'snip', 'rand'], compressions = [0.5, 1, 1.5, 2], seeds = [0, 1, 2]): SingleShotResults {
  const runs: RunRecord[] = [];
  for (const pruner of pruners)
    for (const c of compressions)
      for (const seed of seeds) {
        const base = pruner === 'synflow' ? 0.98 : pruner === 'snip' ? 0.97 : 0.95;
        const top1 = Math.max(0.1, base - 0.04 * c * c * (pruner === 'rand' ? 2 : 1) + 0.004 * seed);
        runs.push({ pruner, seed, target: targetFromCompression(c), prune: pruneRecord(pruner, c, seed), train: trainRecord(top1) });
      }
  return { ...header(), kind: 'singleshot', pruneSettings: PRUNE_SETTINGS, trainSettings: TRAIN_SETTINGS, pruners, targets: compressions.map(targetFromCompression), seeds, runs };
}

/** A collapse sweep where rand collapses the last layer at c = 3 and synflow never does. */
export function collapse(): CollapseResults {
  const compressions = Array.from({ length: 25 }, (_, i) => i * 0.25);
  const sweep = (pruner: string, collapseAt: number | null) => {
    const points = compressions.map((c) => {
      const d = Math.pow(10, -c);
      const layerDensity = LAYERS.map((l, i) => {
        if (collapseAt !== null && c >= collapseAt && i === LAYERS.length - 1) return 0;
        const kept = Math.max(pruner === 'synflow' ? 1 : 0, Math.round(d * l.params * (pruner === 'synflow' ? 1 + i : 1)));
        return Math.min(1, kept / l.params);
      });
      const collapsed = LAYERS.filter((_, i) => layerDensity[i] === 0).map((l) => l.name);
      return { compression: c, density: d, layerDensity, collapsed, pathExists: collapsed.length === 0 };
    });
    const first = points.find((p) => p.collapsed.length);
    return { pruner, seed: 0, points, firstCollapse: first ? first.compression : null, firstCollapsed: first ? first.collapsed : [] };
  };
  return {
    ...header(),
    kind: 'collapse',
    pruneSettings: PRUNE_SETTINGS,
    compressions,
    layers: LAYERS,
    maxCriticalCompression: Math.log10(MODEL.prunable / LAYERS.length),
    sweeps: [sweep('synflow', null), sweep('rand', 3), sweep('mag', 3.5)],
  };
}

/** Conservation of a 4-layer chain: layer sums equal R for synflow; neurons near the diagonal. */
export function conservation(): ConservationResults {
  const rnd = lcg(5);
  const R = 123.5;
  const neurons = Array.from({ length: 60 }, (_, u) => {
    const v = Math.pow(10, rnd() * 4 - 2);
    return { layer: LAYERS[1 + (u % 2)].name, unit: u, incoming: v, outgoing: v * (1 + 1e-7) };
  });
  return {
    ...header(),
    kind: 'conservation',
    dtype: 'float64',
    entries: [
      { pruner: 'synflow', seed: 0, R, layers: LAYERS.map((l) => ({ name: l.name, params: l.params, scoreSum: R * (1 + 1e-12) })), networkResidual: 1e-12, neuronResidual: { max: 1e-7, mean: 1e-8, units: 60 }, neurons },
      { pruner: 'snip', seed: 0, R: 2.3, layers: LAYERS.map((l, i) => ({ name: l.name, params: l.params, scoreSum: 0.01 * (i + 1) * l.params ** 0.5 })), networkResidual: 0.9, neuronResidual: { max: 0.8, mean: 0.3, units: 60 }, neurons: [] },
    ],
  };
}

export function trainResults(): TrainResults {
  return { ...header(), kind: 'train', pruneSettings: PRUNE_SETTINGS, prune: pruneRecord('synflow', 1.5, 0), settings: TRAIN_SETTINGS, seed: 0, train: trainRecord(0.97, 4), resumed: false };
}
