/**
 * Axis scales (data value -> pixel) and their tick marks. Log scales are base 10, as the
 * paper figures use them; labels may carry exponents written `10^{k}` (see label.ts).
 */

/** A tick: where it sits in data units and what it reads. */
export interface Tick {
  value: number;
  label: string;
}

/** A map from data values to pixels with its ticks. */
export interface Scale {
  kind: 'linear' | 'log';
  /** Data interval shown, [low, high] (low > 0 on a log scale). */
  domain: [number, number];
  /** Pixel interval, [pixel of low, pixel of high] (reversed for a y axis). */
  range: [number, number];
  /** Pixel of a value; on a log scale, values <= 0 map to the low end. */
  map(value: number): number;
  ticks: Tick[];
}

/** How tick values become labels. */
export type TickFormat = (value: number) => string;

/** Up to 4 significant digits without trailing zeros or exponent noise: 0.1 + 0.2 -> "0.3". */
export function formatNumber(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-4) {
    const [m, e] = value.toExponential(3).split('e');
    return `${String(Number(m))}e${Number(e)}`;
  }
  return String(Number(value.toPrecision(4)));
}

/** 10^k as a label with a raised exponent: 10^{-3}. */
export function formatPowerOfTen(exponent: number): string {
  return `10^{${formatNumber(exponent)}}`;
}

/** A "nice" step (1, 2, 2.5 or 5 times a power of ten) near span / count. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const raw = span / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / power;
  const m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
  return m * power;
}

/** Tick values at multiples of a nice step covering [low, high]. */
export function linearTickValues(low: number, high: number, count = 5): number[] {
  const step = niceStep(high - low, count);
  const first = Math.ceil(low / step - 1e-9) * step;
  const out: number[] = [];
  for (let v = first; v <= high + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** [low, high] widened to the nearest multiples of a nice step (so the axis ends on a tick). */
export function niceLinearDomain(low: number, high: number, count = 5): [number, number] {
  if (low === high) {
    const pad = low === 0 ? 1 : Math.abs(low) * 0.1;
    return [low - pad, high + pad];
  }
  const step = niceStep(high - low, count);
  return [Math.floor(low / step + 1e-9) * step, Math.ceil(high / step - 1e-9) * step];
}

/** A linear scale; `nice` widens the domain to whole ticks. */
export function linearScale(
  domain: [number, number],
  range: [number, number],
  opts: { nice?: boolean; tickCount?: number; format?: TickFormat } = {},
): Scale {
  const count = opts.tickCount ?? 5;
  const [low, high] = opts.nice === false ? widenEmpty(domain) : niceLinearDomain(domain[0], domain[1], count);
  const format = opts.format ?? formatNumber;
  const map = (v: number): number => range[0] + ((v - low) / (high - low)) * (range[1] - range[0]);
  const ticks = linearTickValues(low, high, count).map((value) => ({ value, label: format(value) }));
  return { kind: 'linear', domain: [low, high], range, map, ticks };
}

function widenEmpty([low, high]: [number, number]): [number, number] {
  return low === high ? [low - 0.5, high + 0.5] : [low, high];
}

/** 10^k as the nearest double (Math.pow(10, -4) is 0.00009999999999999999; 1e-4 is not). */
export function decade(k: number): number {
  return Number(`1e${k}`);
}

/** Decades 10^k covering [low, high], plus 2x and 5x when fewer than three decades show. */
export function logTickValues(low: number, high: number): number[] {
  const k0 = Math.floor(Math.log10(low) + 1e-9);
  const k1 = Math.ceil(Math.log10(high) - 1e-9);
  const fine = k1 - k0 < 3;
  const stride = Math.max(1, Math.ceil((k1 - k0) / 8));
  const out: number[] = [];
  for (let k = k0; k <= k1; k++) {
    const d = decade(k);
    if ((k - k0) % stride === 0 && d >= low * (1 - 1e-9) && d <= high * (1 + 1e-9)) out.push(d);
    if (fine) for (const m of [2, 5]) if (m * d > low && m * d < high) out.push(m * d);
  }
  return out.sort((a, b) => a - b);
}

/** A base-10 log scale over positive values; the domain is widened to whole decades. */
export function logScale(domain: [number, number], range: [number, number], opts: { format?: TickFormat } = {}): Scale {
  const lowIn = domain[0] > 0 ? domain[0] : 1e-12;
  const highIn = Math.max(domain[1], lowIn);
  const low = decade(Math.floor(Math.log10(lowIn) + 1e-9));
  let high = decade(Math.ceil(Math.log10(highIn) - 1e-9));
  if (high <= low) high = decade(Math.round(Math.log10(low)) + 1);
  const [l0, l1] = [Math.log10(low), Math.log10(high)];
  const map = (v: number): number => {
    const lv = v > 0 ? Math.log10(v) : l0;
    return range[0] + ((Math.max(lv, l0) - l0) / (l1 - l0)) * (range[1] - range[0]);
  };
  const format = opts.format ?? ((v: number) => (Number.isInteger(Math.log10(v)) ? formatPowerOfTen(Math.log10(v)) : formatNumber(v)));
  const ticks = logTickValues(low, high).map((value) => ({ value, label: format(value) }));
  return { kind: 'log', domain: [low, high], range, map, ticks };
}

/** A category axis: evenly spaced positions 0..n-1 with the given labels. */
export function categoryScale(labels: readonly string[], range: [number, number]): Scale {
  const n = Math.max(1, labels.length);
  const step = (range[1] - range[0]) / n;
  const map = (v: number): number => range[0] + (v + 0.5) * step;
  return { kind: 'linear', domain: [-0.5, n - 0.5], range, map, ticks: labels.map((label, value) => ({ value, label })) };
}
