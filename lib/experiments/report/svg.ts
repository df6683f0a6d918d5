/**
 * A minimal SVG writer: elements as strings with escaped text and attributes. Plots are
 * small (hundreds of elements), so string building is simpler than a DOM and needs no
 * dependency in Node.
 */

/** Attribute values; null/undefined/false attributes are omitted, true writes the bare name="name". */
export type Attrs = Record<string, string | number | boolean | null | undefined>;

/** Escapes text for element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) =>
    ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : ch === '"' ? '&quot;' : '&apos;',
  );
}

/** A number as SVG coordinates want it: at most 2 decimals, no exponent, no "-0". */
export function num(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`svg: non-finite coordinate ${v}`);
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

function attrString(attrs: Attrs): string {
  let out = '';
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    // Coordinates are rounded; data-* attributes keep full precision for readers of the data.
    const text = value === true ? key : typeof value === 'number' ? (key.startsWith('data-') ? String(value) : num(value)) : value;
    out += ` ${key}="${escapeXml(text)}"`;
  }
  return out;
}

/** An element with already-serialized children (strings) or none (self-closing). */
export function el(tag: string, attrs: Attrs = {}, children: readonly string[] | string = []): string {
  const body = typeof children === 'string' ? children : children.join('');
  return body.length ? `<${tag}${attrString(attrs)}>${body}</${tag}>` : `<${tag}${attrString(attrs)}/>`;
}

/** A <text> element; the content is escaped. */
export function text(content: string, attrs: Attrs = {}): string {
  return `<text${attrString(attrs)}>${escapeXml(content)}</text>`;
}

/** A path through points, "M x y L x y ..."; an empty string for no points. */
export function polylinePath(points: readonly (readonly [number, number])[]): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${num(x)} ${num(y)}`).join(' ');
}

/** A closed area between an upper and a lower boundary sharing x positions (a spread band). */
export function bandPath(upper: readonly (readonly [number, number])[], lower: readonly (readonly [number, number])[]): string {
  if (!upper.length) return '';
  const back = [...lower].reverse();
  return `${polylinePath(upper)} ${back.map(([x, y]) => `L${num(x)} ${num(y)}`).join(' ')} Z`;
}

/**
 * A standalone SVG document with a title (shown by browsers and read by screen readers)
 * and a white background, so it reads the same on dark pages.
 */
export function svgDocument(width: number, height: number, title: string, body: readonly string[] | string): string {
  const content = [
    el('title', {}, escapeXml(title)),
    el('rect', { class: 'background', x: 0, y: 0, width, height, fill: '#ffffff' }),
    typeof body === 'string' ? body : body.join(''),
  ];
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    el(
      'svg',
      {
        xmlns: 'http://www.w3.org/2000/svg',
        width,
        height,
        viewBox: `0 0 ${num(width)} ${num(height)}`,
        'font-family': 'Helvetica, Arial, sans-serif',
        'font-size': 12,
      },
      content,
    ) +
    '\n'
  );
}
