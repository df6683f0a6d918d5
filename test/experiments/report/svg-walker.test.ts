import { byClass, parseXml, textContent } from './svg-walker';

describe('the test XML walker', () => {
  test('reads elements, attributes, entities and nested text', () => {
    const root = parseXml('<?xml version="1.0"?>\n<svg a="1"><g class="x y"><text>a &amp; b<tspan>c</tspan></text></g><rect/></svg>');
    expect(root.tag).toBe('svg');
    expect(root.attrs.a).toBe('1');
    expect(byClass(root, 'y')).toHaveLength(1);
    expect(textContent(root)).toBe('a & bc');
  });

  test.each([
    ['<svg><g></svg>', /closes/],
    ['<svg>', /not closed/],
    ['<svg a=1/>', /bad attributes/],
    ['<svg a="1" a="2"/>', /duplicate/],
    ['<svg>&nbsp;</svg>', /unknown entity/],
    ['<svg/><svg/>', /one root/],
  ])('rejects malformed %s', (xml, err) => {
    expect(() => parseXml(xml)).toThrow(err);
  });
});
