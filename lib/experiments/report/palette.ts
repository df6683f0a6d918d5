/**
 * Colors. Each pruner keeps one color in every figure (and across reports), so a reader
 * can compare figures at a glance; layers are colored by depth, light to dark.
 */

const PRUNER_COLORS: Record<string, string> = {
  synflow: '#1f77b4',
  snip: '#d62728',
  grasp: '#2ca02c',
  'iter-snip': '#ff7f0e',
  force: '#9467bd',
  'gem-miner': '#8c564b',
  imp: '#e377c2',
  mag: '#7f7f7f',
  rand: '#bcbd22',
  'rand-layer': '#17becf',
};

const EXTRA_COLORS = ['#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd', '#e6550d', '#31a354'];

/** The color of a pruner (or any series name): fixed for known pruners, hashed otherwise. */
export function seriesColor(name: string): string {
  const known = PRUNER_COLORS[name];
  if (known) return known;
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return EXTRA_COLORS[h % EXTRA_COLORS.length];
}

/** A color for layer `index` of `count`: a blue ramp from light (input side) to dark (output side). */
export function depthColor(index: number, count: number): string {
  const t = count <= 1 ? 1 : index / (count - 1);
  // Interpolate between #9ecae1 (light) and #08306b (dark) in RGB.
  const from = [0x9e, 0xca, 0xe1];
  const to = [0x08, 0x30, 0x6b];
  const rgb = from.map((a, i) => Math.round(a + (to[i] - a) * t));
  return '#' + rgb.map((c) => c.toString(16).padStart(2, '0')).join('');
}
