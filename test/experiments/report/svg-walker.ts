/**
 * A tiny XML reader for the tests: enough for the SVG our reports write (elements,
 * attributes in double quotes, text, the XML declaration, the five entities). It throws on
 * anything malformed (unclosed or mismatched tags, stray '<'), so parsing also checks
 * that a report is well-formed.
 */

export interface XmlNode {
  tag: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  /** Text directly inside this element (entities decoded). */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  const bad = /&(?!(amp|lt|gt|quot|apos);)[^;\s]*;?/.exec(s);
  if (bad) throw new Error(`xml: unknown entity ${bad[0]}`);
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e]);
}

/** Parses one XML document into its root element. */
export function parseXml(xml: string): XmlNode {
  let i = 0;
  const src = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: XmlNode[] = [{ tag: '#document', attrs: {}, children: [], text: '' }];
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const textEnd = lt < 0 ? src.length : lt;
    if (textEnd > i) {
      const t = src.slice(i, textEnd);
      if (t.includes('>')) throw new Error(`xml: stray '>' at ${i}`);
      stack[stack.length - 1].text += decode(t);
    }
    if (lt < 0) break;
    const gt = src.indexOf('>', lt);
    if (gt < 0) throw new Error(`xml: unterminated tag at ${lt}`);
    const inner = src.slice(lt + 1, gt);
    if (inner.startsWith('/')) {
      const name = inner.slice(1).trim();
      const node = stack.pop()!;
      if (node.tag !== name) throw new Error(`xml: </${name}> closes <${node.tag}>`);
    } else {
      const selfClosing = inner.endsWith('/');
      const body = selfClosing ? inner.slice(0, -1) : inner;
      const m = /^([A-Za-z][\w:.-]*)/.exec(body);
      if (!m) throw new Error(`xml: bad tag <${inner}>`);
      const attrs: Record<string, string> = {};
      const rest = body.slice(m[1].length);
      const re = /\s+([\w:.-]+)="([^"<]*)"/g;
      let consumed = 0;
      for (let a = re.exec(rest); a; a = re.exec(rest)) {
        if (a.index !== consumed) throw new Error(`xml: bad attributes in <${m[1]}${rest}>`);
        if (a[1] in attrs) throw new Error(`xml: duplicate attribute ${a[1]} in <${m[1]}>`);
        attrs[a[1]] = decode(a[2]);
        consumed = re.lastIndex;
      }
      if (rest.slice(consumed).trim() !== '') throw new Error(`xml: bad attributes in <${m[1]}${rest}>`);
      const node: XmlNode = { tag: m[1], attrs, children: [], text: '' };
      stack[stack.length - 1].children.push(node);
      if (!selfClosing) stack.push(node);
    }
    i = gt + 1;
  }
  if (stack.length !== 1) throw new Error(`xml: <${stack[stack.length - 1].tag}> is not closed`);
  const roots = stack[0].children;
  if (roots.length !== 1) throw new Error(`xml: expected one root element, found ${roots.length}`);
  return roots[0];
}

/** Every descendant (pre-order) matching the predicate. */
export function findAll(node: XmlNode, pred: (n: XmlNode) => boolean): XmlNode[] {
  const out: XmlNode[] = [];
  const walk = (n: XmlNode) => {
    for (const c of n.children) {
      if (pred(c)) out.push(c);
      walk(c);
    }
  };
  walk(node);
  return out;
}

/** Elements whose class list contains `cls`. */
export function byClass(node: XmlNode, cls: string): XmlNode[] {
  return findAll(node, (n) => (n.attrs.class ?? '').split(/\s+/).includes(cls));
}

/** All text inside an element, children included, in document order. */
export function textContent(node: XmlNode): string {
  return node.text + node.children.map(textContent).join('');
}
