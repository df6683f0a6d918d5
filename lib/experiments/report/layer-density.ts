import { LayerStats, PruneRecord, Results } from '../results';
import { assembleFigure, Figure, gridLayout } from './figure';
import { seriesColor } from './palette';
import { drawPanel, Series } from './panel';
import { categoryScale, formatNumber, logScale } from './scale';

/** The layer densities of one pruning, wherever in a results document it sits. */
export interface LayerProfile {
  model: string;
  pruner: string;
  seed: number;
  compression: number;
  layers: { name: string; density: number }[];
}

function fromRecord(model: string, p: PruneRecord): LayerProfile {
  return { model, pruner: p.pruner, seed: p.seed, compression: p.target.compression, layers: p.layers.map((l: LayerStats) => ({ name: l.name, density: l.density })) };
}

/** Every pruned layer profile in the results: prune and train runs, grid runs, collapse sweeps. */
export function layerProfiles(results: readonly Results[]): LayerProfile[] {
  const out: LayerProfile[] = [];
  for (const r of results) {
    const model = r.model.name;
    switch (r.kind) {
      case 'prune':
        out.push(fromRecord(model, r.prune));
        break;
      case 'train':
        if (r.prune) out.push(fromRecord(model, r.prune));
        break;
      case 'singleshot':
      case 'multishot':
        for (const run of r.runs) out.push(fromRecord(model, run.prune));
        break;
      case 'sanity':
        for (const run of r.runs) if (run.check === 'original') out.push(fromRecord(model, run.prune));
        break;
      case 'collapse':
        for (const sweep of r.sweeps)
          for (const p of sweep.points)
            out.push({ model, pruner: sweep.pruner, seed: sweep.seed, compression: p.compression, layers: r.layers.map((l, i) => ({ name: l.name, density: p.layerDensity[i] })) });
        break;
      default:
        break;
    }
  }
  return out;
}

/** The compression drawn by default: the one most pruners reached; on a tie, the largest. */
export function defaultCompression(profiles: readonly LayerProfile[]): number | null {
  const pruners = new Map<string, Set<string>>();
  for (const p of profiles) {
    const key = p.compression.toFixed(6);
    pruners.set(key, (pruners.get(key) ?? new Set()).add(p.pruner));
  }
  let best: [number, number] | null = null;
  for (const [key, set] of pruners) {
    const c = Number(key);
    if (!best || set.size > best[1] || (set.size === best[1] && c > best[0])) best = [c, set.size];
  }
  return best ? best[0] : null;
}

/** Short layer names for tick labels: the PyTorch key without its trailing ".weight". */
export function shortLayerName(name: string): string {
  return name.replace(/\.weight$/, '');
}

/**
 * Figure 2: the density of each prunable layer per pruner at one compression (mean over
 * seeds), layers in forward order, log density; an empty layer sits hollow on the bottom
 * axis. The dashed line is the overall target density 10^-c. One panel per model.
 */
export function layerDensityFigure(results: readonly Results[], opts: { compression?: number } = {}): Figure | null {
  const all = layerProfiles(results);
  const chosen = opts.compression ?? defaultCompression(all);
  if (chosen === null) return null;
  // Accept the nearest recorded compression within 0.01, so `--compression 1.5` finds 1.4999999.
  const profiles = all.filter((p) => Math.abs(p.compression - chosen) < 0.01);
  if (!profiles.length) return null;
  const models = [...new Set(profiles.map((p) => p.model))];
  const layout = gridLayout(models.length, { columns: 1, bottom: 120 });
  const allSeries: Series[] = [];
  const panels = models.map((model, i) => {
    const area = layout.panels[i];
    const mine = profiles.filter((p) => p.model === model);
    const names = mine[0].layers.map((l) => l.name);
    const series: Series[] = [...new Set(mine.map((p) => p.pruner))].map((pruner) => {
      const runs = mine.filter((p) => p.pruner === pruner);
      const points = names.map((name, li) => {
        const ds = runs.map((r) => r.layers.find((l) => l.name === name)?.density ?? r.layers[li]?.density ?? 0);
        return { x: li, y: ds.reduce((a, b) => a + b, 0) / ds.length, low: Math.min(...ds), high: Math.max(...ds) };
      });
      return { kind: 'line', name: pruner, color: seriesColor(pruner), points, markers: true, floorHollow: true };
    });
    allSeries.push(...series);
    const positive = series.flatMap((s) => s.points.flatMap((p) => [p.y, p.low!])).filter((d) => d > 0);
    const target = Math.pow(10, -chosen);
    const lowest = Math.min(target, ...positive) / 3;
    const x = categoryScale(names.map(shortLayerName), [area.x, area.x + area.width]);
    const y = logScale([lowest, 1], [area.y + area.height, area.y]);
    return drawPanel(
      {
        title: `${model} at compression 10^${formatNumber(chosen)}`,
        x: { label: 'layer (input to output)', scale: x, rotateTicks: true },
        y: { label: 'density (fraction kept)', scale: y },
        series,
        refs: [{ axis: 'y', value: target, label: `overall ${formatNumber(target)}`, kind: 'target', dash: '6 4' }],
      },
      area,
    );
  });
  return assembleFigure('layer-density', `Layer-wise density at compression 10^${formatNumber(chosen)}`, layout, panels, allSeries, 'pruner', ['hollow marker: empty layer']);
}
