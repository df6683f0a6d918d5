import { accuracyFigure, accuracyPoints, accuracySeries, spread } from '../../../lib/experiments/report/accuracy';
import { collapseFigure } from '../../../lib/experiments/report/collapse';
import { conservationFigure } from '../../../lib/experiments/report/conservation';
import { figureSvg } from '../../../lib/experiments/report/figure';
import { defaultCompression, layerDensityFigure, layerProfiles, shortLayerName } from '../../../lib/experiments/report/layer-density';
import { renderReport } from '../../../lib/experiments/report/report';
import { trainingFigure } from '../../../lib/experiments/report/training';
import type { Figure } from '../../../lib/experiments/report/figure';
import * as fx from './fixtures';
import { byClass, findAll, parseXml, textContent, XmlNode } from './svg-walker';

function parsed(f: Figure | null): XmlNode {
  expect(f).not.toBeNull();
  const root = parseXml(figureSvg(f!));
  expect(root.tag).toBe('svg');
  expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
  expect(Number(root.attrs.width)).toBe(f!.width);
  return root;
}

/** Each panel has both axes with ticks and a title. */
function expectAxes(root: XmlNode, panels: number, labels: { x: RegExp; y: RegExp; yScale: 'log' | 'linear' }): XmlNode[] {
  const ps = byClass(root, 'panel');
  expect(ps).toHaveLength(panels);
  for (const p of ps) {
    const [x] = byClass(p, 'x-axis');
    const [y] = byClass(p, 'y-axis');
    expect(byClass(x, 'tick').length).toBeGreaterThanOrEqual(2);
    expect(byClass(y, 'tick').length).toBeGreaterThanOrEqual(2);
    expect(textContent(byClass(x, 'axis-label')[0])).toMatch(labels.x);
    expect(textContent(byClass(y, 'axis-label')[0])).toMatch(labels.y);
    expect(y.attrs['data-scale']).toBe(labels.yScale);
    expect(byClass(p, 'axis-line')).toHaveLength(2);
  }
  return ps;
}

const seriesNames = (n: XmlNode) => byClass(n, 'series').map((s) => s.attrs['data-series']);
const legendNames = (n: XmlNode) => byClass(n, 'legend-item').map((s) => s.attrs['data-series']);

describe('figure 1: accuracy vs compression', () => {
  test('mean, min and max over seeds per pruner and compression', () => {
    const s = spread([0.9, 0.95, 0.92]);
    expect(s).toEqual({ mean: (0.9 + 0.95 + 0.92) / 3, min: 0.9, max: 0.95, n: 3 });
    const series = accuracySeries(accuracyPoints([fx.singleshot(['synflow'], [1, 2], [0, 1, 2])]));
    expect(series).toHaveLength(1);
    expect(series[0].points.map((p) => p.x)).toHaveLength(2);
    const runs = fx.singleshot(['synflow'], [1, 2], [0, 1, 2]).runs.filter((r) => r.target.compression === 1);
    const tops = runs.map((r) => r.train!.final.top1 * 100);
    const p = series[0].points[0];
    expect(p.y).toBeCloseTo(tops.reduce((a, b) => a + b) / 3, 10);
    expect(p.low).toBeCloseTo(Math.min(...tops), 10);
    expect(p.high).toBeCloseTo(Math.max(...tops), 10);
  });

  test('one line with a band per pruner, legend, axes', () => {
    const root = parsed(accuracyFigure([fx.singleshot()]));
    const [panel] = expectAxes(root, 1, { x: /compression/, y: /top-1 accuracy/, yScale: 'linear' });
    expect(seriesNames(panel)).toEqual(['synflow', 'snip', 'rand']);
    for (const s of byClass(panel, 'series')) {
      expect(byClass(s, 'line')).toHaveLength(1);
      expect(byClass(s, 'band')).toHaveLength(1);
      expect(byClass(s, 'marker')).toHaveLength(4);
    }
    expect(legendNames(root)).toEqual(['synflow', 'snip', 'rand']);
    // Exponent tick labels: 10^k on the compression axis.
    const xTicks = byClass(byClass(panel, 'x-axis')[0], 'tick').map((t) => textContent(t));
    expect(xTicks.every((t) => t.startsWith('10'))).toBe(true);
    expect(findAll(panel, (n) => n.attrs.class === 'exponent').length).toBeGreaterThan(0);
  });

  test('no band with one seed; null without trained runs', () => {
    const root = parsed(accuracyFigure([fx.singleshot(['synflow', 'snip'], [1, 2], [0])]));
    expect(byClass(root, 'band')).toHaveLength(0);
    expect(seriesNames(root)).toEqual(['synflow', 'snip']);
    expect(accuracyFigure([fx.collapse()])).toBeNull();
  });

  test('a single compression still draws a readable axis', () => {
    const root = parsed(accuracyFigure([fx.singleshot(['synflow', 'snip', 'rand'], [1.5], [0])]));
    expect(byClass(root, 'marker')).toHaveLength(3);
    expect(byClass(byClass(root, 'x-axis')[0], 'tick').length).toBeGreaterThanOrEqual(2);
  });
});

describe('figure 2: layer-wise density', () => {
  test('profiles come from every kind that prunes', () => {
    expect(layerProfiles([fx.singleshot(['synflow'], [1], [0])])).toHaveLength(1);
    expect(layerProfiles([fx.collapse()])).toHaveLength(3 * 25);
    expect(layerProfiles([fx.trainResults()])).toHaveLength(1);
    expect(defaultCompression(layerProfiles([fx.singleshot(['a', 'b'], [1, 2], [0])]))).toBe(2);
    expect(shortLayerName('layers.0.conv.weight')).toBe('layers.0.conv');
  });

  test('one series per pruner over the layers, log density, target line', () => {
    const root = parsed(layerDensityFigure([fx.singleshot()], { compression: 1.5 }));
    const [panel] = expectAxes(root, 1, { x: /layer/, y: /density/, yScale: 'log' });
    expect(seriesNames(panel)).toEqual(['synflow', 'snip', 'rand']);
    for (const s of byClass(panel, 'series')) expect(s.attrs['data-points']).toBe(String(fx.LAYERS.length));
    const xLabels = byClass(byClass(panel, 'x-axis')[0], 'tick').map(textContent);
    expect(xLabels).toEqual(fx.LAYERS.map((l) => l.name.replace(/\.weight$/, '')));
    const [ref] = byClass(panel, 'target');
    expect(Number(ref.attrs['data-value'])).toBeCloseTo(Math.pow(10, -1.5), 12);
    expect(textContent(root)).toContain('10^1.5');
  });

  test('an empty layer is a hollow marker; an absent compression gives null', () => {
    const root = parsed(layerDensityFigure([fx.collapse()], { compression: 6 }));
    expect(byClass(root, 'collapsed').length).toBeGreaterThan(0);
    expect(layerDensityFigure([fx.singleshot()], { compression: 5 })).toBeNull();
  });
});

describe('figure 3: collapse sweep', () => {
  test('one panel per pruner, one line per layer, the first collapse marked', () => {
    const doc = fx.collapse();
    const root = parsed(collapseFigure([doc]));
    const panels = expectAxes(root, 3, { x: /compression/, y: /fraction of layer remaining/, yScale: 'log' });
    for (const [i, p] of panels.entries()) {
      // Each layer plus the overall-density reference.
      expect(byClass(p, 'series')).toHaveLength(fx.LAYERS.length + 1);
      const marks = byClass(p, 'first-collapse');
      const sweep = doc.sweeps[i];
      expect(marks).toHaveLength(sweep.firstCollapse === null ? 0 : 1);
      if (sweep.firstCollapse !== null) {
        expect(Number(marks[0].attrs['data-value'])).toBe(sweep.firstCollapse);
        expect(byClass(p, 'collapsed').length).toBeGreaterThan(0);
      }
      expect(byClass(p, 'max-critical')).toHaveLength(1);
      expect(p.attrs['data-title']).toContain(sweep.pruner);
    }
    expect(legendNames(root)).toEqual([...fx.LAYERS.map((l) => l.name.replace(/\.weight$/, '')), 'overall density 10^-c']);
  });

  test('deep nets list only the first and last layer in the legend', () => {
    const doc = fx.collapse();
    doc.layers = Array.from({ length: 20 }, (_, i) => ({ name: `l${i}.weight`, shape: [4], params: 4 }));
    for (const s of doc.sweeps) for (const p of s.points) p.layerDensity = doc.layers.map(() => Math.pow(10, -p.compression / 2));
    const root = parsed(collapseFigure([doc]));
    expect(byClass(byClass(root, 'panel')[0], 'series')).toHaveLength(21);
    expect(legendNames(root)).toEqual(['l0', 'l19', 'overall density 10^-c']);
    expect(textContent(root)).toContain('colored light (input) to dark (output)');
  });

  test('null without collapse results', () => {
    expect(collapseFigure([fx.singleshot()])).toBeNull();
  });
});

describe('figure 4: conservation', () => {
  test('neuron scatter with the diagonal, and layer sums with R', () => {
    const root = parsed(conservationFigure([fx.conservation()]));
    const panels = byClass(root, 'panel');
    expect(panels).toHaveLength(2);
    const [scatter, layers] = panels;
    expect(byClass(byClass(scatter, 'x-axis')[0], 'axis-label').map(textContent)[0]).toMatch(/incoming/);
    expect(byClass(byClass(scatter, 'y-axis')[0], 'axis-label').map(textContent)[0]).toMatch(/outgoing/);
    expect(byClass(scatter, 'x-axis')[0].attrs['data-scale']).toBe('log');
    expect(byClass(scatter, 'diagonal')).toHaveLength(1);
    expect(seriesNames(scatter)).toEqual(['synflow']);
    // The title quotes the residual of the drawn units only (synflow's, not snip's).
    expect(scatter.attrs['data-title']).toBe('lenet5: neuron-wise (max rel. residual 1e-7)');
    expect(byClass(scatter, 'marker')).toHaveLength(60);
    expect(seriesNames(layers)).toEqual(['synflow', 'snip']);
    const [r] = byClass(layers, 'synaptic-flow');
    expect(Number(r.attrs['data-value'])).toBe(123.5);
    expect(byClass(layers, 'y-axis')[0].attrs['data-scale']).toBe('log');
  });

  test('without neuron data only the layer panel is drawn', () => {
    const doc = fx.conservation();
    for (const e of doc.entries) e.neurons = [];
    expect(byClass(parsed(conservationFigure([doc])), 'panel')).toHaveLength(1);
  });
});

describe('training curves and the combined report', () => {
  test('test and train top-1 per epoch', () => {
    const root = parsed(trainingFigure([fx.trainResults()]));
    const [panel] = expectAxes(root, 1, { x: /epoch/, y: /top-1/, yScale: 'linear' });
    expect(seriesNames(panel)).toEqual(['test top-1', 'train top-1']);
    expect(byClass(panel, 'marker')).toHaveLength(8);
  });

  test('report.svg holds every applicable figure, in the paper order', () => {
    const all = [fx.singleshot(), fx.collapse(), fx.conservation(), fx.trainResults()];
    const rep = renderReport(all);
    expect(rep.figures.map((f) => f.id)).toEqual(['accuracy', 'layer-density', 'collapse', 'conservation', 'training']);
    const root = parseXml(rep.combined);
    expect(findAll(root, (n) => n.attrs.class === 'figure').map((n) => n.attrs['data-figure'])).toEqual(rep.figures.map((f) => f.id));
    expect(textContent(byClass(root, 'report-title')[0])).toContain('lenet5');
    for (const f of rep.figures) expect(() => parseXml(f.svg)).not.toThrow();
    // Stacked without overlap: the document is as tall as the figures together.
    expect(Number(root.attrs.height)).toBeGreaterThan(rep.figures.length * 300);
  });

  test('a report of a single prune has the layer-density figure only', () => {
    const doc = fx.trainResults();
    const prune = { ...doc, kind: 'prune' as const, settings: fx.PRUNE_SETTINGS, prune: doc.prune! };
    expect(renderReport([prune]).figures.map((f) => f.id)).toEqual(['layer-density']);
  });

  test('nothing to draw still gives a valid SVG', () => {
    const doc = fx.conservation();
    doc.entries = [];
    const rep = renderReport([doc]);
    expect(rep.figures).toHaveLength(0);
    expect(textContent(parseXml(rep.combined))).toContain('No figure applies');
  });
});
