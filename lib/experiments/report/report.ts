import { Results } from '../results';
import { accuracyFigure } from './accuracy';
import { collapseFigure } from './collapse';
import { conservationFigure } from './conservation';
import { combinedSvg, Figure, figureSvg } from './figure';
import { layerDensityFigure } from './layer-density';
import { trainingFigure } from './training';

/** Options of {@link renderReport}. */
export interface ReportOptions {
  /** Compression c (density 10^-c) of the layer-density figure; default: the one most pruners reached. */
  compression?: number;
  /** Title of the combined report. */
  title?: string;
}

/** A rendered report: each applicable figure as its own SVG file, and all of them stacked. */
export interface RenderedReport {
  figures: { id: Figure['id']; title: string; file: string; svg: string }[];
  /** report.svg: every figure in one file. */
  combined: string;
}

/**
 * Draws every figure the results support, in the paper's order: accuracy vs compression,
 * layer-wise density, layer collapse, conservation, then training curves. Pure: no I/O.
 * @example
 *   const { combined } = renderReport([JSON.parse(fs.readFileSync('runs/demo/results.json', 'utf8'))]);
 */
export function renderReport(results: readonly Results[], opts: ReportOptions = {}): RenderedReport {
  const figures = [
    accuracyFigure(results),
    layerDensityFigure(results, { compression: opts.compression }),
    collapseFigure(results),
    conservationFigure(results),
    trainingFigure(results),
  ].filter((f): f is Figure => f !== null);
  const models = [...new Set(results.map((r) => r.model.name))].join(', ');
  const title = opts.title ?? `prune-at-init report${models ? `: ${models}` : ''}`;
  return {
    figures: figures.map((f) => ({ id: f.id, title: f.title, file: `${f.id}.svg`, svg: figureSvg(f) })),
    combined: combinedSvg(figures, title),
  };
}
