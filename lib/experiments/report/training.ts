import { Results, TrainResults } from '../results';
import { assembleFigure, Figure, gridLayout } from './figure';
import { seriesColor } from './palette';
import { drawPanel, Series } from './panel';
import { linearScale } from './scale';

/**
 * Training curves of `train` results: test and train top-1 accuracy per epoch, one panel
 * per run (labelled by its pruner and density). Null when no train result is given.
 */
export function trainingFigure(results: readonly Results[]): Figure | null {
  const docs = results.filter((r): r is TrainResults => r.kind === 'train' && r.train.epochs.length > 0);
  if (!docs.length) return null;
  const layout = gridLayout(docs.length);
  const legend: Series[] = [];
  const panels = docs.map((doc, i) => {
    const area = layout.panels[i];
    const label = doc.prune ? `${doc.prune.pruner}, density ${(doc.prune.density * 100).toPrecision(3)}%` : 'dense';
    const epochs = doc.train.epochs;
    const series: Series[] = [
      { kind: 'line', name: 'test top-1', color: seriesColor(doc.prune?.pruner ?? 'dense'), markers: true, points: epochs.map((e) => ({ x: e.epoch, y: e.test.top1 * 100 })) },
      { kind: 'line', name: 'train top-1', color: '#888888', dash: '4 3', markers: true, points: epochs.map((e) => ({ x: e.epoch, y: e.train.top1 * 100 })) },
    ];
    legend.push(...series);
    const ys = series.flatMap((s) => s.points.map((p) => p.y));
    const last = epochs[epochs.length - 1].epoch;
    const x = linearScale([epochs[0].epoch, Math.max(last, epochs[0].epoch + 1)], [area.x, area.x + area.width], { tickCount: Math.min(8, last) });
    x.ticks = x.ticks.filter((t) => Number.isInteger(t.value));
    const y = linearScale([Math.max(0, Math.min(...ys) - 2), Math.min(100, Math.max(...ys) + 2)], [area.y + area.height, area.y]);
    return drawPanel({ title: `${doc.model.name} (${label})`, x: { label: 'epoch', scale: x }, y: { label: 'top-1 accuracy (%)', scale: y }, series }, area);
  });
  return assembleFigure('training', 'Training curves', layout, panels, legend, 'curve');
}
