import { CollapseResults, Results } from '../results';
import { assembleFigure, Figure, gridLayout } from './figure';
import { depthColor } from './palette';
import { drawPanel, RefLine, Series } from './panel';
import { formatNumber, formatPowerOfTen, linearScale, linearTickValues, logScale } from './scale';
import { shortLayerName } from './layer-density';

/** Layers listed one by one in the legend up to this count; beyond it the ramp speaks for itself. */
const LEGEND_LAYERS = 16;

/**
 * Figure 3 (SynFlow Fig. 1/4 style): for each pruner, the fraction of each layer's weights
 * remaining against compression, one line per layer colored by depth; the first collapse
 * (a layer reaching 0, drawn hollow on the bottom axis) is marked by a vertical line, and
 * the dotted line is the maximal critical compression log10(N / L). One panel per sweep
 * (the first seed of each pruner). Null without collapse results.
 */
export function collapseFigure(results: readonly Results[]): Figure | null {
  const docs = results.filter((r): r is CollapseResults => r.kind === 'collapse');
  const panelsData = docs.flatMap((doc) => {
    const firstSeed = new Map<string, number>();
    for (const s of doc.sweeps) if (!firstSeed.has(s.pruner)) firstSeed.set(s.pruner, s.seed);
    return doc.sweeps.filter((s) => firstSeed.get(s.pruner) === s.seed && s.points.length).map((sweep) => ({ doc, sweep }));
  });
  if (!panelsData.length) return null;
  const layout = gridLayout(panelsData.length);
  let legend: Series[] = [];
  const panels = panelsData.map(({ doc, sweep }, i) => {
    const area = layout.panels[i];
    const n = doc.layers.length;
    const points = [...sweep.points].sort((a, b) => a.compression - b.compression);
    const series: Series[] = doc.layers.map((layer, li) => ({
      kind: 'line',
      name: shortLayerName(layer.name),
      color: depthColor(li, n),
      points: points.map((p) => ({ x: p.compression, y: p.layerDensity[li] })),
      markers: false,
      floorHollow: true,
      hideInLegend: n > LEGEND_LAYERS && li !== 0 && li !== n - 1,
    }));
    const overall: Series = {
      kind: 'line',
      name: 'overall density 10^-c',
      color: '#000000',
      dash: '2 3',
      points: points.map((p) => ({ x: p.compression, y: Math.pow(10, -p.compression) })),
    };
    series.push(overall);
    if (i === 0) legend = series;
    const cs = points.map((p) => p.compression);
    const [c0, c1] = [Math.min(...cs), Math.max(...cs)];
    const x = linearScale([c0, c1 > c0 ? c1 : c0 + 1], [area.x, area.x + area.width], { format: formatPowerOfTen });
    x.ticks = linearTickValues(x.domain[0], x.domain[1], 7)
      .filter((v) => Number.isInteger(v) || c1 - c0 < 2)
      .map((value) => ({ value, label: formatPowerOfTen(value) }));
    const positive = series.flatMap((s) => s.points.map((p) => p.y)).filter((v) => v > 0);
    const y = logScale([Math.min(...positive) / 3, 1], [area.y + area.height, area.y]);
    const refs: RefLine[] = [];
    if (sweep.firstCollapse !== null) {
      refs.push({ axis: 'x', value: sweep.firstCollapse, label: `first collapse c = ${formatNumber(sweep.firstCollapse)}`, color: '#c00000', dash: '6 3', kind: 'first-collapse' });
    }
    if (doc.maxCriticalCompression >= x.domain[0] && doc.maxCriticalCompression <= x.domain[1]) {
      refs.push({ axis: 'x', value: doc.maxCriticalCompression, label: `max critical c = ${formatNumber(doc.maxCriticalCompression)}`, color: '#555', dash: '1 3', kind: 'max-critical' });
    }
    const status = sweep.firstCollapse === null ? 'no collapse' : `collapses at 10^${formatNumber(sweep.firstCollapse)}`;
    return drawPanel(
      {
        title: `${sweep.pruner} on ${doc.model.name} (${status})`,
        x: { label: 'compression ratio', scale: x },
        y: { label: 'fraction of layer remaining', scale: y },
        series,
        refs,
      },
      area,
    );
  });
  const many = panelsData.some(({ doc }) => doc.layers.length > LEGEND_LAYERS);
  const notes = ['hollow marker: empty layer', ...(many ? ['layers colored light (input) to dark (output)'] : [])];
  return assembleFigure('collapse', 'Layer collapse: fraction of each layer remaining vs compression', layout, panels, legend, 'layer', notes);
}
