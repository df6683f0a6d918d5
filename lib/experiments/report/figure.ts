import { drawLegend, legendHeight, Rect, Series } from './panel';
import { el, svgDocument, text } from './svg';

/** Which paper figure a drawing redraws. */
export type FigureId = 'accuracy' | 'layer-density' | 'collapse' | 'conservation' | 'training';

/** A drawn figure: SVG markup (without the <svg> root) and its size in pixels. */
export interface Figure {
  id: FigureId;
  title: string;
  width: number;
  height: number;
  /** Inner markup; wrap with {@link figureSvg} for a file. */
  body: string;
}

/** Panel size and spacing shared by all figures, in pixels. */
export const PANEL = { width: 420, height: 280, left: 78, right: 24, top: 56, bottom: 56, legend: 210 };

/** Pixel rects of `count` panels in rows of `columns`, with room for a title, axes and a legend column. */
export function gridLayout(count: number, opts: { columns?: number; bottom?: number; legend?: boolean } = {}): { panels: Rect[]; width: number; height: number; legendX: number } {
  const columns = Math.max(1, Math.min(opts.columns ?? 2, count));
  const rows = Math.max(1, Math.ceil(count / columns));
  const bottom = opts.bottom ?? PANEL.bottom;
  const cellW = PANEL.left + PANEL.width + PANEL.right;
  const cellH = PANEL.top + PANEL.height + bottom;
  const titleH = 36;
  const panels: Rect[] = [];
  for (let i = 0; i < count; i++) {
    const c = i % columns;
    const r = Math.floor(i / columns);
    panels.push({ x: c * cellW + PANEL.left, y: titleH + r * cellH + PANEL.top, width: PANEL.width, height: PANEL.height });
  }
  const legendW = opts.legend === false ? 0 : PANEL.legend;
  return { panels, width: columns * cellW + legendW, height: titleH + rows * cellH, legendX: columns * cellW + 8 };
}

/** Assembles a figure: its title, panels and one legend for all series. */
export function assembleFigure(
  id: FigureId,
  title: string,
  layout: { width: number; height: number; legendX: number },
  panels: string[],
  legendSeries: readonly Series[],
  legendTitle?: string,
  notes: string[] = [],
): Figure {
  const unique = new Set(legendSeries.filter((s) => !s.hideInLegend).map((s) => s.name)).size;
  const height = Math.max(layout.height, 36 + PANEL.top + legendHeight(unique, !!legendTitle) + notes.length * 16 + 16);
  const body = [
    text(title, { class: 'figure-title', x: 16, y: 24, 'font-size': 15, 'font-weight': 'bold' }),
    ...panels,
    unique ? drawLegend(legendSeries, layout.legendX, 36 + PANEL.top, legendTitle) : '',
    ...notes.map((n, i) =>
      text(n, { class: 'note', x: layout.legendX, y: 36 + PANEL.top + legendHeight(unique, !!legendTitle) + 16 + i * 16, 'font-size': 10, fill: '#555' }),
    ),
  ];
  return { id, title, width: layout.width, height, body: el('g', { class: 'figure', 'data-figure': id }, body) };
}

/** A figure as a standalone SVG file. */
export function figureSvg(figure: Figure): string {
  return svgDocument(figure.width, figure.height, figure.title, figure.body);
}

/** Several figures stacked vertically in one SVG file (report.svg). */
export function combinedSvg(figures: readonly Figure[], title: string): string {
  const gap = 16;
  const heading = 44;
  let y = heading;
  const parts = [text(title, { class: 'report-title', x: 16, y: 28, 'font-size': 18, 'font-weight': 'bold' })];
  for (const f of figures) {
    parts.push(el('g', { transform: `translate(0 ${y})` }, f.body));
    y += f.height + gap;
  }
  if (!figures.length) parts.push(text('No figure applies to these results.', { class: 'note', x: 16, y: heading + 20 }));
  const width = Math.max(480, ...figures.map((f) => f.width));
  return svgDocument(width, figures.length ? y : heading + 40, title, parts);
}
