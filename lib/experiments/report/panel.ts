import { richText } from './label';
import { Scale } from './scale';
import { bandPath, el, num, polylinePath, text } from './svg';

/** A rectangle in pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An axis: its scale (with pixel range inside the plot area) and its title. */
export interface AxisSpec {
  label: string;
  scale: Scale;
  /** Rotate tick labels (long category names such as layer keys). */
  rotateTicks?: boolean;
}

/** A point of a line with an optional spread [low, high] drawn as a band. */
export interface LinePoint {
  x: number;
  y: number;
  low?: number;
  high?: number;
}

/** A named data series. Lines connect points in the given order. */
export interface Series {
  kind: 'line' | 'scatter';
  name: string;
  color: string;
  points: LinePoint[];
  dash?: string;
  /** Draw a marker at each point (lines only; scatters always do). */
  markers?: boolean;
  /** Points at y <= 0 on a log axis (empty layers) get a hollow marker on the bottom axis, even without `markers`. */
  floorHollow?: boolean;
  /** Leave out of the legend (e.g. when a figure draws its own key). */
  hideInLegend?: boolean;
}

/** A horizontal or vertical reference line, such as the first collapse or R. */
export interface RefLine {
  axis: 'x' | 'y';
  value: number;
  label: string;
  color?: string;
  dash?: string;
  kind: string;
}

/** Everything one plot panel draws. */
export interface PanelSpec {
  title?: string;
  x: AxisSpec;
  y: AxisSpec;
  series: Series[];
  refs?: RefLine[];
  /** Draw the line y = x (conservation scatter). */
  diagonal?: boolean;
}

const TICK = 5;

function drawXAxis(axis: AxisSpec, area: Rect): string {
  const y0 = area.y + area.height;
  const ticks = axis.scale.ticks.map((t) => {
    const x = axis.scale.map(t.value);
    const label = axis.rotateTicks
      ? richText(t.label, { x, y: y0 + TICK + 4, 'text-anchor': 'end', transform: `rotate(-40 ${num(x)} ${num(y0 + TICK + 4)})`, 'font-size': 10 })
      : richText(t.label, { x, y: y0 + TICK + 14, 'text-anchor': 'middle' });
    return el('g', { class: 'tick', 'data-value': t.value }, [
      el('line', { class: 'grid', x1: x, y1: area.y, x2: x, y2: y0, stroke: '#e5e5e5' }),
      el('line', { x1: x, y1: y0, x2: x, y2: y0 + TICK, stroke: '#333' }),
      label,
    ]);
  });
  const labelY = y0 + (axis.rotateTicks ? 78 : 34);
  return el('g', { class: 'axis x-axis', 'data-scale': axis.scale.kind }, [
    ...ticks,
    el('line', { class: 'axis-line', x1: area.x, y1: y0, x2: area.x + area.width, y2: y0, stroke: '#333' }),
    text(axis.label, { class: 'axis-label', x: area.x + area.width / 2, y: labelY, 'text-anchor': 'middle' }),
  ]);
}

function drawYAxis(axis: AxisSpec, area: Rect): string {
  const ticks = axis.scale.ticks.map((t) => {
    const y = axis.scale.map(t.value);
    return el('g', { class: 'tick', 'data-value': t.value }, [
      el('line', { class: 'grid', x1: area.x, y1: y, x2: area.x + area.width, y2: y, stroke: '#e5e5e5' }),
      el('line', { x1: area.x - TICK, y1: y, x2: area.x, y2: y, stroke: '#333' }),
      richText(t.label, { x: area.x - TICK - 3, y: y + 4, 'text-anchor': 'end' }),
    ]);
  });
  const lx = area.x - 52;
  const ly = area.y + area.height / 2;
  return el('g', { class: 'axis y-axis', 'data-scale': axis.scale.kind }, [
    ...ticks,
    el('line', { class: 'axis-line', x1: area.x, y1: area.y, x2: area.x, y2: area.y + area.height, stroke: '#333' }),
    text(axis.label, { class: 'axis-label', x: lx, y: ly, 'text-anchor': 'middle', transform: `rotate(-90 ${num(lx)} ${num(ly)})` }),
  ]);
}

function drawSeries(s: Series, spec: PanelSpec): string {
  const { x: xs, y: ys } = { x: spec.x.scale, y: spec.y.scale };
  const onAxis = (p: LinePoint) => ys.kind === 'log' && !(p.y > 0);
  const parts: string[] = [];
  const banded = s.points.filter((p) => p.low !== undefined && p.high !== undefined);
  if (s.kind === 'line' && banded.length > 1) {
    const upper = banded.map((p) => [xs.map(p.x), ys.map(p.high!)] as const);
    const lower = banded.map((p) => [xs.map(p.x), ys.map(p.low!)] as const);
    parts.push(el('path', { class: 'band', d: bandPath(upper, lower), fill: s.color, 'fill-opacity': 0.18, stroke: 'none' }));
  }
  if (s.kind === 'line' && s.points.length > 1) {
    const pts = s.points.map((p) => [xs.map(p.x), ys.map(p.y)] as const);
    parts.push(el('path', { class: 'line', d: polylinePath(pts), fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-dasharray': s.dash }));
  }
  const allMarkers = s.kind === 'scatter' || s.markers || s.points.length === 1;
  if (allMarkers || s.floorHollow) {
    for (const p of s.points) {
      const hollow = !!s.floorHollow && onAxis(p);
      if (!allMarkers && !hollow) continue;
      parts.push(
        el('circle', {
          class: hollow ? 'marker collapsed' : 'marker',
          cx: xs.map(p.x),
          cy: ys.map(p.y),
          r: s.kind === 'scatter' ? 2.5 : 3,
          fill: hollow ? '#ffffff' : s.color,
          'fill-opacity': s.kind === 'scatter' ? 0.7 : 1,
          stroke: s.color,
        }),
      );
    }
  }
  return el('g', { class: 'series', 'data-series': s.name, 'data-kind': s.kind, 'data-points': s.points.length }, parts);
}

function drawRef(r: RefLine, spec: PanelSpec, area: Rect): string {
  const color = r.color ?? '#444';
  if (r.axis === 'x') {
    const x = spec.x.scale.map(r.value);
    return el('g', { class: `refline ${r.kind}`, 'data-value': r.value }, [
      el('line', { x1: x, y1: area.y, x2: x, y2: area.y + area.height, stroke: color, 'stroke-dasharray': r.dash ?? '5 3' }),
      text(r.label, { x: x + 4, y: area.y + 12, fill: color, 'font-size': 10 }),
    ]);
  }
  const y = spec.y.scale.map(r.value);
  return el('g', { class: `refline ${r.kind}`, 'data-value': r.value }, [
    el('line', { x1: area.x, y1: y, x2: area.x + area.width, y2: y, stroke: color, 'stroke-dasharray': r.dash ?? '5 3' }),
    text(r.label, { x: area.x + area.width - 4, y: y - 4, fill: color, 'font-size': 10, 'text-anchor': 'end' }),
  ]);
}

function drawDiagonal(spec: PanelSpec): string {
  const [a, b] = [Math.max(spec.x.scale.domain[0], spec.y.scale.domain[0]), Math.min(spec.x.scale.domain[1], spec.y.scale.domain[1])];
  if (!(b > a)) return '';
  return el('line', {
    class: 'refline diagonal',
    x1: spec.x.scale.map(a),
    y1: spec.y.scale.map(a),
    x2: spec.x.scale.map(b),
    y2: spec.y.scale.map(b),
    stroke: '#000',
    'stroke-dasharray': '2 3',
  });
}

/** One plot: grid, axes with ticks and titles, reference lines, then the series on top. */
export function drawPanel(spec: PanelSpec, area: Rect): string {
  const parts = [
    el('rect', { class: 'plot-area', x: area.x, y: area.y, width: area.width, height: area.height, fill: 'none', stroke: '#ccc' }),
    drawXAxis(spec.x, area),
    drawYAxis(spec.y, area),
    spec.diagonal ? drawDiagonal(spec) : '',
    ...(spec.refs ?? []).map((r) => drawRef(r, spec, area)),
    ...spec.series.map((s) => drawSeries(s, spec)),
  ];
  if (spec.title) parts.unshift(text(spec.title, { class: 'panel-title', x: area.x + area.width / 2, y: area.y - 10, 'text-anchor': 'middle', 'font-weight': 'bold' }));
  return el('g', { class: 'panel', 'data-title': spec.title ?? null }, parts);
}

/** A legend column: one swatch and name per series (deduplicated by name), top-left at (x, y). */
export function drawLegend(series: readonly Pick<Series, 'name' | 'color' | 'dash' | 'kind' | 'hideInLegend'>[], x: number, y: number, title?: string): string {
  const seen = new Set<string>();
  const items: string[] = [];
  let row = 0;
  if (title) items.push(text(title, { class: 'legend-title', x, y: y + 4, 'font-weight': 'bold' }));
  const top = title ? y + 20 : y;
  for (const s of series) {
    if (s.hideInLegend || seen.has(s.name)) continue;
    seen.add(s.name);
    const cy = top + row * 18;
    const swatch =
      s.kind === 'scatter'
        ? el('circle', { cx: x + 10, cy, r: 4, fill: s.color })
        : el('line', { x1: x, y1: cy, x2: x + 20, y2: cy, stroke: s.color, 'stroke-width': 3, 'stroke-dasharray': s.dash });
    items.push(el('g', { class: 'legend-item', 'data-series': s.name }, [swatch, text(s.name, { x: x + 26, y: cy + 4 })]));
    row++;
  }
  return el('g', { class: 'legend' }, items);
}

/** Height a legend of n entries takes. */
export function legendHeight(entries: number, titled = false): number {
  return entries * 18 + (titled ? 20 : 0);
}
