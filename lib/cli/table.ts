/** Plain-text tables for terminal output: columns padded, numbers right-aligned. */

/** A table as lines: header, a rule, then rows. Cells are strings; `right` marks right-aligned columns. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[] = []): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (right[i] ? (c ?? '').padStart(widths[i]) : (c ?? '').padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/** A fraction as a percentage with `digits` decimals: 0.9731 -> "97.31%". */
export function percent(fraction: number, digits = 2): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** An integer with thousands separators: 14715584 -> "14,715,584". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Seconds, human-scaled: 0.0123 -> "12.3 ms", 75 -> "1 min 15 s". */
export function duration(seconds: number): string {
  if (seconds < 1) return `${(seconds * 1000).toPrecision(3)} ms`;
  if (seconds < 60) return `${seconds.toPrecision(3)} s`;
  const m = Math.floor(seconds / 60);
  return `${m} min ${Math.round(seconds - 60 * m)} s`;
}
