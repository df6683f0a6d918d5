// Patterns built from masks, exact compress/decompress, and the TypeScript sparse
// reference against the dense-masked oracle in float64.
import { compressValues, decompress, patternDensity, patternFromMask, patternMask } from '../../lib/backend/sparse/pattern';
import * as R from '../../lib/backend/sparse/reference';
import { denseMaskedConv, denseMaskedLinear, geometry, randomMask, relError } from './dense-masked';
import { randn, seededRandom } from './seeded-random';

describe('patternFromMask', () => {
  test('CSR and CSC agree with the mask, with empty rows and columns', () => {
    const rows = 7, cols = 11;
    const mask = randomMask(rows * cols, 0.3, seededRandom(1));
    for (let c = 0; c < cols; c++) mask[2 * cols + c] = 0; // empty row 2
    for (let r = 0; r < rows; r++) mask[r * cols + 5] = 0; // empty column 5
    const p = patternFromMask(mask, rows, cols);
    expect(p.nnz).toBe(mask.reduce((a, b) => a + b, 0));
    expect(p.rowPtr[3] - p.rowPtr[2]).toBe(0);
    expect(p.colPtr[6] - p.colPtr[5]).toBe(0);
    expect(patternMask(p)).toEqual(mask);
    expect(patternDensity(p)).toBeCloseTo(p.nnz / 77, 12);
    for (let c = 0; c < cols; c++)
      for (let q = p.colPtr[c]; q < p.colPtr[c + 1]; q++) {
        const j = p.cscPos[q];
        expect(p.colIdx[j]).toBe(c);
        expect(j >= p.rowPtr[p.cscRow[q]] && j < p.rowPtr[p.cscRow[q] + 1]).toBe(true);
        if (q > p.colPtr[c]) expect(p.cscRow[q]).toBeGreaterThan(p.cscRow[q - 1]);
      }
  });

  test('compress then decompress is exact; the empty layer has nnz 0', () => {
    const w = randn(60, 3);
    const mask = randomMask(60, 0.5, seededRandom(2));
    const p = patternFromMask(mask, 6, 10);
    const back = decompress(p, compressValues(p, w));
    for (let i = 0; i < 60; i++) expect(Object.is(back[i], mask[i] ? w[i] : 0)).toBe(true);
    const empty = patternFromMask(new Float32Array(60), 6, 10);
    expect(empty.nnz).toBe(0);
    expect(decompress(empty, new Float32Array(0))).toEqual(new Float32Array(60));
    const f64 = compressValues(p, Float64Array.from(w), new Float64Array(p.nnz));
    expect(f64).toBeInstanceOf(Float64Array);
  });

  test('bad shapes throw', () => {
    expect(() => patternFromMask(new Float32Array(5), 2, 3)).toThrow(RangeError);
    expect(() => patternFromMask(new Float32Array(0), 0, 3)).toThrow(RangeError);
    const p = patternFromMask(new Float32Array([1, 0, 1]), 1, 3);
    expect(() => compressValues(p, new Float32Array(4))).toThrow(RangeError);
    expect(() => decompress(p, new Float32Array(3))).toThrow(RangeError);
  });
});

describe('sparse reference equals dense-masked (float64)', () => {
  test.each([1, 0.3, 0.02, 0])('linear at density %p', (density) => {
    const batch = 5, inF = 13, outF = 7;
    const r = seededRandom(10);
    const mask = randomMask(inF * outF, density, r);
    const w = Float64Array.from(randn(inF * outF, 11));
    const x = Float64Array.from(randn(batch * inF, 12));
    const gy = Float64Array.from(randn(batch * outF, 13));
    const bias = Float64Array.from(randn(outF, 14));
    const p = patternFromMask(mask, outF, inF);
    const v = compressValues(p, w, new Float64Array(p.nnz));
    const want = denseMaskedLinear(x, gy, w, mask, bias, batch, inF, outF);
    const y = new Float64Array(batch * outF), gx = new Float64Array(batch * inF), gv = new Float64Array(p.nnz);
    R.sparseLinearForwardRef(p, v, x, batch, bias, y);
    R.sparseLinearGradInputRef(p, v, gy, batch, gx);
    R.sparseLinearGradWeightRef(p, x, gy, batch, gv);
    expect(relError(y, want.y)).toBeLessThan(1e-12);
    expect(relError(gx, want.gx)).toBeLessThan(1e-12);
    expect(relError(decompress(p, gv, new Float64Array(inF * outF)), want.gw)).toBeLessThan(1e-12);
  });

  test.each([
    ['3x3 pad 1', geometry(2, 3, 5, 7, 4, 3, 3, { ph: 1, pw: 1 })],
    ['stride 2x3, dilation, groups 2', geometry(2, 4, 9, 8, 6, 3, 2, { sh: 2, sw: 3, ph: 1, pw: 2, dh: 2, groups: 2 })],
    ['1x1 on 1x1', geometry(3, 5, 1, 1, 2, 1, 1)],
  ] as const)('conv %s', (_name, g) => {
    const cols = (g.c / g.groups) * g.kh * g.kw;
    const mask = randomMask(g.o * cols, 0.4, seededRandom(20), 1);
    const w = Float64Array.from(randn(g.o * cols, 21));
    const x = Float64Array.from(randn(g.n * g.c * g.h * g.w, 22));
    const gy = Float64Array.from(randn(g.n * g.o * g.oh * g.ow, 23));
    const bias = Float64Array.from(randn(g.o, 24));
    const p = patternFromMask(mask, g.o, cols);
    const v = compressValues(p, w, new Float64Array(p.nnz));
    const want = denseMaskedConv(g, x, gy, w, mask, bias);
    const y = new Float64Array(want.y.length), gx = new Float64Array(x.length), gv = new Float64Array(p.nnz);
    R.sparseConv2dForwardRef(g, p, v, x, bias, y);
    R.sparseConv2dGradInputRef(g, p, v, gy, gx);
    R.sparseConv2dGradWeightRef(g, p, x, gy, gv);
    expect(relError(y, want.y)).toBeLessThan(1e-12);
    expect(relError(gx, want.gx)).toBeLessThan(1e-12);
    expect(relError(decompress(p, gv, new Float64Array(w.length)), want.gw)).toBeLessThan(1e-12);
  });
});
