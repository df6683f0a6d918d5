import { InvalidArgumentError } from 'commander';

/**
 * Argument parsers for commander options. A bad value throws InvalidArgumentError, which
 * commander reports as "option '--x <v>' argument 'v' is invalid. <why>" (exit 1).
 */

/** An integer >= min. */
export function integerAtLeast(min: number): (raw: string) => number {
  return (raw: string) => {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(v) || v < min) throw new InvalidArgumentError(`expected an integer >= ${min}.`);
    return v;
  };
}

/** A finite number in [min, max] (either bound optional); `open` excludes min. */
export function numberIn(min: number | null, max: number | null, opts: { openMin?: boolean } = {}): (raw: string) => number {
  return (raw: string) => {
    const v = Number(raw);
    const range = `${min === null ? '' : `${opts.openMin ? '>' : '>='} ${min}`}${min !== null && max !== null ? ' and ' : ''}${max === null ? '' : `<= ${max}`}`;
    if (raw.trim() === '' || !Number.isFinite(v)) throw new InvalidArgumentError('expected a number.');
    if ((min !== null && (opts.openMin ? v <= min : v < min)) || (max !== null && v > max)) throw new InvalidArgumentError(`expected a number ${range}.`);
    return v;
  };
}

/** Comma-separated integers >= min, e.g. seeds "0,1,2" or a range "0:4" (inclusive). */
export function integerList(min: number): (raw: string) => number[] {
  return (raw: string) => {
    const text = raw.trim();
    const range = /^(-?\d+):(-?\d+)$/.exec(text);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (a < min || b < a || b - a > 10000) throw new InvalidArgumentError(`expected a range a:b with ${min} <= a <= b.`);
      return Array.from({ length: b - a + 1 }, (_, i) => a + i);
    }
    const items = text.split(',').map((s) => s.trim());
    const out = items.map(Number);
    if (items.some((s) => s === '') || out.some((v) => !Number.isInteger(v) || v < min)) throw new InvalidArgumentError(`expected integers >= ${min} separated by commas, or a range a:b.`);
    return out;
  };
}

/** Comma-separated non-empty names, deduplicated in order: "synflow,snip,rand". */
export function nameList(raw: string): string[] {
  const items = raw.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new InvalidArgumentError('expected names separated by commas, e.g. synflow,snip,rand.');
  return [...new Set(items)];
}

/** An input shape "C,H,W" or "CxHxW" (positive integers), e.g. 3x32x32. */
export function shape(raw: string): number[] {
  const dims = raw.split(/[x,]/i).map((s) => Number(s.trim()));
  if (!dims.length || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new InvalidArgumentError('expected positive integers like 3x32x32.');
  return dims;
}
