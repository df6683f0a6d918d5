import { RunRecord, Results } from '../results';
import { assembleFigure, Figure, gridLayout } from './figure';
import { seriesColor } from './palette';
import { drawPanel, LinePoint, Series } from './panel';
import { formatPowerOfTen, linearScale, linearTickValues } from './scale';

/** Mean, minimum and maximum of a sample. */
export interface Spread {
  mean: number;
  min: number;
  max: number;
  n: number;
}

/** Mean and range of values (n >= 1). */
export function spread(values: readonly number[]): Spread {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { mean: sum / values.length, min, max, n: values.length };
}

/** A run's final test top-1 at its compression, labelled by pruner. */
export interface AccuracyPoint {
  group: string;
  pruner: string;
  compression: number;
  seed: number;
  top1: number;
}

/** Trained runs of singleshot and multishot results, keyed by "model on dataset". */
export function accuracyPoints(results: readonly Results[]): AccuracyPoint[] {
  const out: AccuracyPoint[] = [];
  for (const r of results) {
    if (r.kind !== 'singleshot' && r.kind !== 'multishot') continue;
    const group = `${r.model.name}${r.data ? ` on ${r.data.name}` : ''}`;
    for (const run of r.runs as RunRecord[]) {
      if (!run.train) continue;
      // Grids plot their target; IMP levels plot the compression reached (0.8^k of the weights).
      const compression = r.kind === 'multishot' && run.prune.density > 0 ? -Math.log10(run.prune.density) : run.target.compression;
      out.push({ group, pruner: run.pruner, compression, seed: run.seed, top1: run.train.final.top1 });
    }
  }
  return out;
}

/** Per pruner, points sorted by compression with the seed spread; compressions within 1e-6 merge. */
export function accuracySeries(points: readonly AccuracyPoint[]): Series[] {
  const byPruner = new Map<string, Map<string, number[]>>();
  const cOf = new Map<string, number>();
  for (const p of points) {
    const key = p.compression.toFixed(6);
    cOf.set(key, p.compression);
    const m = byPruner.get(p.pruner) ?? new Map<string, number[]>();
    byPruner.set(p.pruner, m);
    m.set(key, [...(m.get(key) ?? []), p.top1 * 100]);
  }
  return [...byPruner.entries()].map(([pruner, m]) => {
    const pts: LinePoint[] = [...m.entries()]
      .map(([key, vals]) => {
        const s = spread(vals);
        return s.n > 1 ? { x: cOf.get(key)!, y: s.mean, low: s.min, high: s.max } : { x: cOf.get(key)!, y: s.mean };
      })
      .sort((a, b) => a.x - b.x);
    return { kind: 'line', name: pruner, color: seriesColor(pruner), points: pts, markers: true, dash: pruner === 'imp' ? '6 3' : undefined };
  });
}

/**
 * Figure 1 (SynFlow Fig. 6 style): top-1 test accuracy against compression, one line per
 * pruner (the mean over seeds) with a band from the worst to the best seed. One panel per
 * model and dataset. Null when no run was trained.
 */
export function accuracyFigure(results: readonly Results[]): Figure | null {
  const points = accuracyPoints(results);
  if (!points.length) return null;
  const groups = [...new Set(points.map((p) => p.group))];
  const layout = gridLayout(groups.length);
  const allSeries: Series[] = [];
  const panels = groups.map((group, i) => {
    const area = layout.panels[i];
    const series = accuracySeries(points.filter((p) => p.group === group));
    allSeries.push(...series);
    const xs = series.flatMap((s) => s.points.map((p) => p.x));
    const ys = series.flatMap((s) => s.points.flatMap((p) => [p.low ?? p.y, p.high ?? p.y]));
    let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
    if (x1 - x0 < 0.5) [x0, x1] = [(x0 + x1) / 2 - 0.25, (x0 + x1) / 2 + 0.25];
    const span = x1 - x0;
    const x = linearScale([x0, x1], [area.x, area.x + area.width], { format: formatPowerOfTen, tickCount: Math.min(7, Math.max(2, Math.round(span * 2))) });
    // Integer exponents read best; use halves only when a range is shorter than two decades.
    if (span >= 2) x.ticks = linearTickValues(x.domain[0], x.domain[1], Math.min(7, Math.ceil(span))).filter(Number.isInteger).map((v) => ({ value: v, label: formatPowerOfTen(v) }));
    const y = linearScale([Math.max(0, Math.min(...ys) - 2), Math.min(100, Math.max(...ys) + 2)], [area.y + area.height, area.y]);
    return drawPanel({ title: group, x: { label: 'compression ratio (density = 1 / ratio)', scale: x }, y: { label: 'top-1 accuracy (%)', scale: y }, series }, area);
  });
  const seeds = new Set(points.map((p) => p.seed)).size;
  const notes = seeds > 1 ? [`line: mean over ${seeds} seeds`, 'band: min to max over seeds'] : ['one seed per point'];
  return assembleFigure('accuracy', 'Top-1 accuracy vs compression', layout, panels, allSeries, 'pruner', notes);
}
