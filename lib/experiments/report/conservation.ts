import { ConservationResults, Results } from '../results';
import { assembleFigure, Figure, gridLayout } from './figure';
import { seriesColor } from './palette';
import { drawPanel, RefLine, Series } from './panel';
import { categoryScale, formatNumber, logScale } from './scale';
import { shortLayerName } from './layer-density';

function absRange(values: readonly number[]): [number, number] {
  const pos = values.map(Math.abs).filter((v) => v > 0 && Number.isFinite(v));
  if (!pos.length) return [1e-3, 1];
  return [Math.min(...pos) / 2, Math.max(...pos) * 2];
}

/**
 * Figure 4 (SynFlow Figs. 2 and 3 style), per model: (a) neuron-wise conservation, each
 * hidden unit at (incoming score sum, outgoing score sum) on log-log axes with the dotted
 * line of exact conservation; (b) the score sum of each layer, with R (the synaptic flow)
 * as a reference: for SynFlow on a bias-free chain every layer's sum equals R. Absolute
 * values are drawn, since log axes cannot show signs. Null without conservation results.
 */
export function conservationFigure(results: readonly Results[]): Figure | null {
  const docs = results.filter((r): r is ConservationResults => r.kind === 'conservation' && r.entries.length > 0);
  if (!docs.length) return null;
  const specs: { doc: ConservationResults; kind: 'neurons' | 'layers' }[] = [];
  for (const doc of docs) {
    if (doc.entries.some((e) => e.neurons.length)) specs.push({ doc, kind: 'neurons' });
    specs.push({ doc, kind: 'layers' });
  }
  const layout = gridLayout(specs.length, { bottom: 120 });
  const legend: Series[] = [];
  const panels = specs.map(({ doc, kind }, i) => {
    const area = layout.panels[i];
    if (kind === 'neurons') {
      const series: Series[] = doc.entries
        .filter((e) => e.neurons.length)
        .map((e) => ({
          kind: 'scatter',
          name: e.pruner,
          color: seriesColor(e.pruner),
          points: e.neurons.filter((u) => u.incoming !== 0 && u.outgoing !== 0).map((u) => ({ x: Math.abs(u.incoming), y: Math.abs(u.outgoing) })),
        }));
      legend.push(...series);
      const [lo, hi] = absRange(doc.entries.flatMap((e) => e.neurons.flatMap((u) => [u.incoming, u.outgoing])));
      const x = logScale([lo, hi], [area.x, area.x + area.width]);
      const y = logScale([lo, hi], [area.y + area.height, area.y]);
      const worst = Math.max(...doc.entries.filter((e) => e.neurons.length).map((e) => e.neuronResidual.max));
      return drawPanel(
        {
          title: `${doc.model.name}: neuron-wise (max rel. residual ${formatNumber(worst)})`,
          x: { label: '|incoming score sum| per unit', scale: x },
          y: { label: '|outgoing score sum| per unit', scale: y },
          series,
          diagonal: true,
        },
        area,
      );
    }
    const names = doc.entries[0].layers.map((l) => l.name);
    const series: Series[] = doc.entries.map((e) => ({
      kind: 'line',
      name: e.pruner,
      color: seriesColor(e.pruner),
      points: names.map((name, li) => ({ x: li, y: Math.abs((e.layers.find((l) => l.name === name) ?? e.layers[li]).scoreSum) })),
      markers: true,
    }));
    legend.push(...series);
    const refs: RefLine[] = doc.entries
      .filter((e) => doc.entries.length === 1 || e.pruner === 'synflow')
      .filter((e) => e.R !== 0 && Number.isFinite(e.R))
      .map((e) => ({ axis: 'y', value: Math.abs(e.R), label: `R (${e.pruner}) = ${formatNumber(e.R)}`, kind: 'synaptic-flow', color: seriesColor(e.pruner) }));
    const [lo, hi] = absRange([...series.flatMap((s) => s.points.map((p) => p.y)), ...refs.map((r) => r.value)]);
    const x = categoryScale(names.map(shortLayerName), [area.x, area.x + area.width]);
    const y = logScale([lo, hi], [area.y + area.height, area.y]);
    return drawPanel(
      {
        title: `${doc.model.name}: layer score sums (${doc.dtype})`,
        x: { label: 'layer (input to output)', scale: x, rotateTicks: true },
        y: { label: '|score sum| per layer', scale: y },
        series,
        refs,
      },
      area,
    );
  });
  return assembleFigure('conservation', 'Conservation of synaptic saliency', layout, panels, legend, 'scores', ['diagonal: exact conservation']);
}
