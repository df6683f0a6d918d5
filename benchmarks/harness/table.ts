/** The human-readable table a suite prints to stdout. */
import type { BenchRecord } from './types';

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  if (a >= 100) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** Renders records as an aligned text table; `noBaseline` explains an empty baseline column. */
export function formatTable(records: BenchRecord[], noBaseline: string | null): string {
  // A record may carry params.peak, the ceiling of its metric (e.g. measured FMA GFLOP/s).
  const hasPeak = records.some((r) => typeof r.params.peak === 'number');
  const header = ['case', 'metric', 'median', 'min', 'max', 'n', 'baseline', 'base median', 'ratio'];
  if (hasPeak) header.push('peak');
  const rows = records.map((r) => [
    r.case,
    r.metric,
    fmt(r.median),
    fmt(r.min),
    fmt(r.max),
    String(r.n),
    r.baseline ? r.baseline.name : '-',
    r.baseline ? fmt(r.baseline.median) : '-',
    r.ratio !== undefined ? `${r.ratio.toFixed(2)}x` : '-',
    ...(hasPeak ? [typeof r.params.peak === 'number' ? fmt(r.params.peak) : '-'] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 1 || i === 6 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  if (noBaseline && records.every((r) => !r.baseline)) out.push(`(no baseline: ${noBaseline})`);
  return out.join('\n');
}
