import { categoryScale, formatNumber, formatPowerOfTen, linearScale, linearTickValues, logScale, logTickValues, niceLinearDomain, niceStep } from '../../../lib/experiments/report/scale';
import { bandPath, el, escapeXml, num, polylinePath, text } from '../../../lib/experiments/report/svg';
import { plainLabel, richText } from '../../../lib/experiments/report/label';

describe('numbers and ticks', () => {
  test('formatNumber keeps 4 significant digits and drops float noise', () => {
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(1.5)).toBe('1.5');
    expect(formatNumber(123456)).toBe('1.235e5');
    expect(formatNumber(-0.00001234)).toBe('-1.234e-5');
    expect(formatNumber(0)).toBe('0');
    expect(formatPowerOfTen(-3)).toBe('10^{-3}');
  });

  test('niceStep picks 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(1, 4)).toBe(0.25);
    expect(niceStep(6, 6)).toBe(1);
    expect(niceStep(0.03, 3)).toBeCloseTo(0.01, 12);
  });

  test('linear ticks cover the nice domain exactly, ends included', () => {
    expect(linearTickValues(0, 6, 6)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(niceLinearDomain(61.3, 98.7, 5)).toEqual([60, 100]);
    const s = linearScale([61.3, 98.7], [300, 0]);
    expect(s.domain).toEqual([60, 100]);
    expect(s.map(60)).toBe(300);
    expect(s.map(100)).toBe(0);
    expect(s.ticks.map((t) => t.value)).toEqual([60, 70, 80, 90, 100]);
  });

  test('a degenerate domain still gets a range', () => {
    const s = linearScale([5, 5], [0, 100]);
    expect(s.domain[0]).toBeLessThan(5);
    expect(s.domain[1]).toBeGreaterThan(5);
  });

  test('log scales widen to decades and put 0 at the low end', () => {
    const s = logScale([3e-4, 0.7], [200, 0]);
    expect(s.domain).toEqual([1e-4, 1]);
    expect(s.map(1e-4)).toBeCloseTo(200, 9);
    expect(s.map(1e-2)).toBeCloseTo(100, 9);
    expect(s.map(0)).toBeCloseTo(200, 9);
    expect(s.ticks.map((t) => t.label)).toEqual(['10^{-4}', '10^{-3}', '10^{-2}', '10^{-1}', '10^{0}']);
  });

  test('log ticks add 2x and 5x within short ranges and thin out long ones', () => {
    expect(logTickValues(1, 100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
    const long = logTickValues(1e-12, 1);
    expect(long.length).toBeLessThanOrEqual(9);
    expect(long[0]).toBe(1e-12);
  });

  test('category scales center each label in its slot', () => {
    const s = categoryScale(['a', 'b', 'c', 'd'], [0, 400]);
    expect([0, 1, 2, 3].map(s.map)).toEqual([50, 150, 250, 350]);
    expect(s.ticks.map((t) => t.label)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('svg writer', () => {
  test('escapes text and attributes', () => {
    expect(escapeXml(`<a & "b" 'c'>`)).toBe('&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;');
    expect(text('x<y', { x: 1 })).toBe('<text x="1">x&lt;y</text>');
    expect(el('g', { class: 'a', hidden: false, missing: undefined, on: true }, [])).toBe('<g class="a" on="on"/>');
  });

  test('numbers round to 2 decimals and refuse non-finite coordinates', () => {
    expect(num(1.23456)).toBe('1.23');
    expect(num(-0.001)).toBe('0');
    expect(() => num(NaN)).toThrow(/non-finite/);
  });

  test('paths: polyline and a closed band', () => {
    expect(polylinePath([[0, 0], [1, 2]])).toBe('M0 0 L1 2');
    expect(bandPath([[0, 1], [2, 1]], [[0, 3], [2, 3]])).toBe('M0 1 L2 1 L2 3 L0 3 Z');
    expect(polylinePath([])).toBe('');
  });

  test('exponents become raised tspans', () => {
    expect(richText('10^{-3}', {})).toBe('<text>10<tspan class="exponent" dy="-5" font-size="0.75em">-3</tspan></text>');
    expect(richText('c = 10^{2} here')).toContain('<tspan dy="5"> here</tspan>');
    expect(plainLabel('10^{1.5}')).toBe('10^1.5');
  });
});
