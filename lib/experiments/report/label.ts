import { Attrs, el, escapeXml } from './svg';

/**
 * Text with raised exponents: `10^{-3}` renders as 10 with a superscript -3 (a <tspan>
 * shifted up), so tick labels read like the paper's. Everything else is literal text.
 */
export function richText(label: string, attrs: Attrs = {}): string {
  const parts: string[] = [];
  const re = /\^\{([^}]*)\}/g;
  let last = 0;
  let raised = false;
  const literal = (s: string) => {
    if (!s) return;
    // dy is relative to the previous glyph, so text after an exponent comes back down.
    parts.push(raised ? el('tspan', { dy: 5 }, escapeXml(s)) : escapeXml(s));
    raised = false;
  };
  for (let m = re.exec(label); m; m = re.exec(label)) {
    literal(label.slice(last, m.index));
    parts.push(el('tspan', { class: 'exponent', dy: raised ? 0 : -5, 'font-size': '0.75em' }, escapeXml(m[1])));
    raised = true;
    last = re.lastIndex;
  }
  literal(label.slice(last));
  return el('text', attrs, parts.join('') || ' ');
}

/** The label as plain text, for titles and tables: "10^{-3}" -> "10^-3". */
export function plainLabel(label: string): string {
  return label.replace(/\^\{([^}]*)\}/g, '^$1');
}
