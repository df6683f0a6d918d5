import { spread } from '../experiments/report/accuracy';
import { formatNumber } from '../experiments/report/scale';
import type { CollapseResults, ConservationResults, MultiShotResults, RunRecord, SanityResults, SingleShotResults } from '../experiments/results';
import { count, duration, formatTable, percent } from './table';

/** "97.31%" for one seed, "97.31% (96.90-97.80)" for several: mean and range of test top-1. */
export function accuracyCell(runs: readonly RunRecord[]): string {
  const vals = runs.filter((r) => r.train).map((r) => r.train!.final.top1);
  if (!vals.length) return '-';
  const s = spread(vals);
  return s.n > 1 ? `${percent(s.mean)} (${percent(s.min, 1)}-${percent(s.max, 1)})` : percent(s.mean);
}

/** Pruners down, compressions across: test top-1 (mean over seeds, with the range). */
export function singleshotSummary(r: SingleShotResults): string[] {
  const cs = r.targets.map((t) => t.compression);
  const rows = r.pruners.map((p) => [
    p,
    ...cs.map((c) => accuracyCell(r.runs.filter((run) => run.pruner === p && Math.abs(run.target.compression - c) < 1e-9))),
  ]);
  return [
    `test top-1 of ${r.model.name} on ${r.data?.name ?? '?'} after ${r.trainSettings.epochs} epoch(s), ${r.seeds.length} seed(s):`,
    '',
    ...formatTable(['pruner', ...cs.map((c) => `c=${formatNumber(c)} (${percent(Math.pow(10, -c), 2)})`)], rows, [false, ...cs.map(() => true)]),
  ];
}

/** The demo's comparison: one row per pruner at one compression. */
export function comparisonTable(r: SingleShotResults): string[] {
  const rows = r.pruners.map((p) => {
    const runs = r.runs.filter((run) => run.pruner === p);
    const first = runs[0];
    const collapsed = runs.some((run) => run.prune.collapsed.length) ? 'yes' : 'no';
    const pruneS = runs.reduce((a, run) => a + run.prune.seconds, 0) / Math.max(1, runs.length);
    const trainS = runs.reduce((a, run) => a + (run.train?.seconds ?? 0), 0) / Math.max(1, runs.length);
    return [p, first ? percent(first.prune.density, 2) : '-', accuracyCell(runs), collapsed, duration(pruneS), duration(trainS)];
  });
  return formatTable(['pruner', 'density', 'test top-1', 'collapsed', 'prune time', 'train time'], rows, [false, true, true, false, true, true]);
}

/** IMP levels: density and test top-1 per level. */
export function multishotSummary(r: MultiShotResults): string[] {
  const levels = [...new Set(r.runs.map((run) => run.level ?? 0))].sort((a, b) => a - b);
  const rows = levels.map((level) => {
    const runs = r.runs.filter((run) => (run.level ?? 0) === level);
    return [String(level), percent(runs[0].prune.density, 3), `10^${formatNumber(runs[0].target.compression)}`, accuracyCell(runs)];
  });
  return [`IMP on ${r.model.name}: ${r.levels} level(s), rate ${r.rate}, rewind to step ${r.rewindStep}:`, '', ...formatTable(['level', 'density', 'compression', 'test top-1'], rows, [true, true, true, true])];
}

/** First collapse per pruner and seed. */
export function collapseSummary(r: CollapseResults): string[] {
  const rows = r.sweeps.map((s) => [
    s.pruner,
    String(s.seed),
    s.firstCollapse === null ? 'none' : `c=${formatNumber(s.firstCollapse)}`,
    s.firstCollapsed.join(', ') || '-',
    s.points.length && s.points[s.points.length - 1].pathExists ? 'yes' : 'no',
  ]);
  const maxC = r.compressions.length ? formatNumber(Math.max(...r.compressions)) : '?';
  return [
    `layer collapse of ${r.model.name} (${count(r.model.prunable)} prunable weights in ${r.layers.length} layers; max critical compression 10^${formatNumber(r.maxCriticalCompression)}):`,
    '',
    ...formatTable(['pruner', 'seed', 'first collapse', 'empty layer(s)', `path at c=${maxC}`], rows),
  ];
}

/** Conservation residuals per scorer. */
export function conservationSummary(r: ConservationResults): string[] {
  const rows = r.entries.map((e) => [e.pruner, e.R.toPrecision(6), e.networkResidual.toExponential(2), e.neuronResidual.max.toExponential(2), e.neuronResidual.mean.toExponential(2), count(e.neuronResidual.units)]);
  return [
    `conservation on ${r.model.name} (${r.dtype}); residuals are relative:`,
    '',
    ...formatTable(['scores', 'R', 'layer residual', 'neuron max', 'neuron mean', 'units'], rows, [false, true, true, true, true, true]),
  ];
}

/** Sanity checks: pruners down, checks across, test top-1. */
export function sanitySummary(r: SanityResults): string[] {
  const pruners = [...new Set(r.runs.map((run) => run.pruner))];
  const checks = r.checks;
  const rows = pruners.map((p) => [p, ...checks.map((c) => accuracyCell(r.runs.filter((run) => run.pruner === p && run.check === c)))]);
  const c = r.runs[0] ? formatNumber(r.runs[0].target.compression) : '?';
  return [`sanity checks on ${r.model.name} at compression 10^${c} (test top-1):`, '', ...formatTable(['pruner', ...checks], rows, [false, ...checks.map(() => true)])];
}
