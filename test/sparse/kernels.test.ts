// Conformance of the native compressed-layer kernels: forward, input gradient and weight
// gradient against the dense reference with the mask applied, on random patterns from
// 100% down to 0.01% density, empty rows and columns, one survivor, an empty layer, and
// every stride / padding / dilation / groups combination the engine special-cases.
import type { Conv2dGeometry } from '../../lib/backend/backend';
import { loadNative } from '../../lib/backend/native-loader';
import { compressValues, decompress, patternFromMask } from '../../lib/backend/sparse/pattern';
import { denseMaskedConv, denseMaskedLinear, geometry, randomMask, relError } from './dense-masked';
import { randn, seededRandom } from './seeded-random';

const { addon, error } = loadNative();
if (!addon) throw new Error(`the CPU addon did not load: ${error}`);
const cpu = addon;
const TOL = 2e-5;

type MaskKind = number | 'one' | 'empty' | 'holes';

function makeMask(rows: number, cols: number, kind: MaskKind, seed: number): Float32Array {
  const r = seededRandom(seed);
  if (kind === 'empty') return new Float32Array(rows * cols);
  if (kind === 'one') {
    const m = new Float32Array(rows * cols);
    m[Math.floor(r() * rows * cols)] = 1;
    return m;
  }
  const m = randomMask(rows * cols, kind === 'holes' ? 0.6 : kind, r);
  if (kind === 'holes') {
    // Every third row and every second column empty.
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (i % 3 === 1 || j % 2 === 0) m[i * cols + j] = 0;
  }
  return m;
}

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
  return 'nothing thrown';
}

function runLinear(batch: number, inF: number, outF: number, kind: MaskKind, seed: number) {
  const mask = makeMask(outF, inF, kind, seed);
  const w = randn(outF * inF, seed + 1);
  const x = randn(batch * inF, seed + 2);
  const gy = randn(batch * outF, seed + 3);
  const bias = randn(outF, seed + 4);
  const p = patternFromMask(mask, outF, inF);
  const v = compressValues(p, w) as Float32Array;
  const y = new Float32Array(batch * outF).fill(NaN);
  const gx = new Float32Array(batch * inF).fill(NaN);
  const gv = new Float32Array(p.nnz).fill(NaN);
  cpu.sparseLinearForward(x, batch, inF, outF, p.rowPtr, p.colIdx, v, bias, y);
  cpu.sparseLinearGradInput(gy, batch, inF, outF, p.colPtr, p.cscRow, p.cscPos, v, gx);
  cpu.sparseLinearGradWeight(x, gy, batch, inF, outF, p.rowPtr, p.colIdx, gv);
  const want = denseMaskedLinear(x, gy, w, mask, bias, batch, inF, outF);
  return { y: relError(y, want.y), gx: relError(gx, want.gx), gw: relError(decompress(p, gv), want.gw), nnz: p.nnz };
}

function runConv(g: Conv2dGeometry, kind: MaskKind, seed: number) {
  const cols = (g.c / g.groups) * g.kh * g.kw;
  const mask = makeMask(g.o, cols, kind, seed);
  const w = randn(g.o * cols, seed + 1);
  const x = randn(g.n * g.c * g.h * g.w, seed + 2);
  const gy = randn(g.n * g.o * g.oh * g.ow, seed + 3);
  const bias = randn(g.o, seed + 4);
  const p = patternFromMask(mask, g.o, cols);
  const v = compressValues(p, w) as Float32Array;
  const dims = [g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups];
  const y = new Float32Array(gy.length).fill(NaN);
  const gx = new Float32Array(x.length).fill(NaN);
  const gv = new Float32Array(p.nnz).fill(NaN);
  cpu.sparseConv2dForward(x, ...dims, p.rowPtr, p.colIdx, v, bias, y);
  cpu.sparseConv2dGradInput(gy, ...dims, p.colPtr, p.cscRow, p.cscPos, v, gx);
  cpu.sparseConv2dGradWeight(x, gy, ...dims, p.rowPtr, p.colIdx, gv);
  const want = denseMaskedConv(g, x, gy, w, mask, bias);
  return { y: relError(y, want.y), gx: relError(gx, want.gx), gw: relError(decompress(p, gv), want.gw), nnz: p.nnz };
}

const densities: MaskKind[] = [1, 0.5, 0.2, 0.1, 0.05, 0.01, 0.001, 0.0001, 'one', 'empty', 'holes'];

/** Forward, input gradient and weight gradient of the conv g within TOL of dense-masked, for every mask kind. */
function expectConvConformance(g: Conv2dGeometry, kinds: MaskKind[]): void {
  for (const kind of kinds) {
    const e = runConv(g, kind, g.c * 13 + g.h);
    expect({ kind, y: e.y < TOL, gx: e.gx < TOL, gw: e.gw < TOL }).toEqual({ kind, y: true, gx: true, gw: true });
  }
}

describe('compressed linear equals dense-masked', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 17, 5],
    [37, 97, 131],
    [130, 64, 29],
    [9, 211, 150],
  ];
  for (const [batch, inF, outF] of shapes)
    test(`batch ${batch}, ${inF} -> ${outF}`, () => {
      for (const kind of densities) {
        const e = runLinear(batch, inF, outF, kind, batch * 7 + inF);
        expect({ kind, y: e.y < TOL, gx: e.gx < TOL, gw: e.gw < TOL }).toEqual({ kind, y: true, gx: true, gw: true });
      }
    });
});

describe('compressed conv2d equals dense-masked', () => {
  const cases: [string, Conv2dGeometry][] = [
    ['3x3 pad 1 (VGG-like)', geometry(3, 8, 8, 8, 16, 3, 3, { ph: 1, pw: 1 })],
    ['first layer, 3 channels, prime size', geometry(2, 3, 11, 11, 5, 3, 3, { ph: 1, pw: 1 })],
    ['3x3 stride 2 pad 1', geometry(2, 6, 9, 10, 4, 3, 3, { sh: 2, sw: 2, ph: 1, pw: 1 })],
    ['1x1 stride 2 (shortcut)', geometry(3, 5, 7, 7, 7, 1, 1, { sh: 2, sw: 2 })],
    ['5x3, stride (2,1), pad (3,0), dilation (1,2), groups 3', geometry(2, 6, 11, 13, 6, 5, 3, { sh: 2, ph: 3, dw: 2, groups: 3 })],
    ['2x2 planes, 3x3 pad 1', geometry(5, 16, 2, 2, 8, 3, 3, { ph: 1, pw: 1 })],
    ['1x1 image, stride 2', geometry(4, 3, 1, 1, 2, 1, 1, { sh: 2, sw: 2 })],
    ['batch spanning many blocks', geometry(20, 4, 5, 5, 3, 3, 3, { ph: 1, pw: 1 })],
    ['depthwise 3x3', geometry(2, 4, 6, 6, 4, 3, 3, { ph: 1, pw: 1, groups: 4 })],
    ['pad larger than kernel', geometry(2, 2, 4, 3, 3, 2, 2, { ph: 3, pw: 2 })],
    ['same size, dilation 2 (direct path)', geometry(2, 4, 7, 9, 5, 3, 3, { ph: 2, pw: 2, dh: 2, dw: 2 })],
    ['1x1 stride 1 (direct path)', geometry(3, 6, 5, 6, 4, 1, 1)],
    ['5x5 pad 2, grouped (direct path)', geometry(2, 6, 9, 8, 4, 5, 5, { ph: 2, pw: 2, groups: 2 })],
    ['17x17 planes, more than 16 vectors', geometry(2, 3, 17, 17, 4, 3, 3, { ph: 1, pw: 1 })],
    // Planes of 8+ vectors on every ISA and, at the denser densities, 16+ survivors per
    // copied plane: the direct path reads column-shifted copies of the source planes (the
    // weight gradient too where the plane is whole pairs of vectors).
    ['16x16 planes (shifted copies)', geometry(2, 8, 16, 16, 8, 3, 3, { ph: 1, pw: 1 })],
    ['12x11 planes, a ragged last vector (shifted copies)', geometry(2, 8, 12, 11, 8, 3, 3, { ph: 1, pw: 1 })],
    ['16x16 planes, dilation 2 (shifted copies)', geometry(2, 8, 16, 16, 8, 3, 3, { ph: 2, pw: 2, dh: 2, dw: 2 })],
    ['16x12 planes, 5x3 kernel, grouped (shifted copies)', geometry(2, 8, 16, 12, 8, 5, 3, { ph: 2, pw: 1, groups: 2 })],
    ['4x4 planes, images in batches', geometry(10, 6, 4, 4, 5, 3, 3, { ph: 1, pw: 1 })],
    ['3x3 planes, ragged batches of images', geometry(9, 3, 3, 3, 4, 3, 3, { ph: 1, pw: 1 })],
    // Batch >= 16 and output planes of <= 4 pixels: the batch-minor path (images in lanes).
    ['2x2 planes, batch 37 (batch-minor path)', geometry(37, 12, 2, 2, 10, 3, 3, { ph: 1, pw: 1 })],
    ['stride 2 to 2x2, grouped, batch 16 (batch-minor path)', geometry(16, 6, 4, 3, 4, 3, 3, { sh: 2, sw: 2, ph: 1, pw: 1, groups: 2 })],
    ['1x1 output, dilation 2, batch 70 (batch-minor path)', geometry(70, 3, 5, 5, 5, 3, 3, { dh: 2, dw: 2 })],
    ['1x2 output, 1x1 kernel, batch 33 (batch-minor path)', geometry(33, 7, 1, 2, 9, 1, 1)],
    // 3x3 pad 1 on planes 4 or 8 wide (whole 16-pixel tiles), batch >= 16, and on average
    // 16+ survivors per output and input channel (densities 1 to 0.1, and 'holes' with its
    // empty rows and columns): with AVX-512, the tiled path (images in lanes, 16-pixel
    // register tiles); below, the direct path. Ragged last blocks of images, and enough
    // channels at density 1 for blocks of source channels.
    ['4x4 planes, batch 37 (tiled path)', geometry(37, 24, 4, 4, 20, 3, 3, { ph: 1, pw: 1 })],
    ['8x8 planes, batch 18 (tiled path)', geometry(18, 20, 8, 8, 24, 3, 3, { ph: 1, pw: 1 })],
    ['8x4 planes, batch 16 (tiled path)', geometry(16, 20, 8, 4, 24, 3, 3, { ph: 1, pw: 1 })],
    ['2x8 planes, batch 33 (tiled path)', geometry(33, 20, 2, 8, 24, 3, 3, { ph: 1, pw: 1 })],
    ['4x4 planes, 64 -> 40 channels (tiled path, source blocks)', geometry(17, 64, 4, 4, 40, 3, 3, { ph: 1, pw: 1 })],
  ];
  for (const [name, g] of cases) test(name, () => expectConvConformance(g, densities));
});

describe('compressed conv2d in blocks of source channels equals dense-masked', () => {
  // More than 64 source channels and at least 64 survivors per row: the direct path sums
  // blocks of source channels onto the partial sums in the output (a 5x5 plane's ragged
  // last vector through its tile). Dense enough to block, so not the whole density list.
  const cases: [string, Conv2dGeometry][] = [
    ['4x4 planes', geometry(9, 160, 4, 4, 136, 3, 3, { ph: 1, pw: 1 })],
    ['8x8 planes', geometry(3, 150, 8, 8, 70, 3, 3, { ph: 1, pw: 1 })],
    ['5x5 planes, grouped', geometry(5, 260, 5, 5, 140, 3, 3, { ph: 1, pw: 1, groups: 2 })],
  ];
  for (const [name, g] of cases) test(name, () => expectConvConformance(g, [1, 0.3, 0.08, 'holes']));
});

describe('compressed conv2d weight gradient on small planes through shifted copies equals dense-masked', () => {
  // Planes of 4-7 whole vectors (8x8 at 16 lanes) with 100+ survivors per row and 64+ per
  // copied plane (at 1 and 0.9): the weight gradient dots several images' column-shifted
  // copies at once; at 0.5 the same layers take the masked path.
  const cases: [string, Conv2dGeometry][] = [
    ['8x8 planes', geometry(5, 16, 8, 8, 24, 3, 3, { ph: 1, pw: 1 })],
    ['8x8 planes, 5x5 kernel, grouped', geometry(3, 16, 8, 8, 32, 5, 5, { ph: 2, pw: 2, groups: 2 })],
  ];
  for (const [name, g] of cases) test(name, () => expectConvConformance(g, [1, 0.9, 0.5]));
});

describe('determinism and dispatch', () => {
  test.each([
    ['direct path', geometry(6, 12, 9, 9, 10, 3, 3, { ph: 1, pw: 1 })],
    // Planes of one or two vectors (AVX-512 / AVX2): the weight gradient keeps chunks of
    // images' output gradients in registers; 11 images leave a ragged last chunk.
    ['direct path, 4x4 planes', geometry(11, 20, 4, 4, 18, 3, 3, { ph: 1, pw: 1 })],
    ['direct path, 5x5 planes', geometry(11, 20, 5, 5, 18, 3, 3, { ph: 1, pw: 1 })],
    ['direct path, 16x16 planes (shifted copies)', geometry(3, 20, 16, 16, 20, 3, 3, { ph: 1, pw: 1 })],
    // 100+ survivors per row and 64+ per copied plane: the weight gradient on 8x8 planes
    // through shifted copies, several images per call (11 leave a ragged last call).
    ['direct path, 8x8 planes (shifted copies)', geometry(11, 40, 8, 8, 80, 3, 3, { ph: 1, pw: 1 })],
    ['packed path', geometry(6, 12, 9, 9, 10, 3, 3, { sh: 2, sw: 2, ph: 1, pw: 1 })],
    // Images in the lanes, 16-pixel register tiles (with AVX-512; the direct path otherwise).
    ['tiled path, 4x4 planes', geometry(37, 24, 4, 4, 20, 3, 3, { ph: 1, pw: 1 })],
    ['tiled path, 8x8 planes', geometry(18, 20, 8, 8, 24, 3, 3, { ph: 1, pw: 1 })],
    // Images in the lanes: tap groups added onto each pixel's sums.
    ['batch-minor path, 2x2 planes', geometry(37, 12, 2, 2, 10, 3, 3, { ph: 1, pw: 1 })],
    ['batch-minor path, grouped, stride 2', geometry(16, 6, 4, 3, 4, 3, 3, { sh: 2, sw: 2, ph: 1, pw: 1, groups: 2 })],
  ] as const)('%s: bitwise identical across thread counts; every ISA path within tolerance', (_name, g) => {
    const { isa, detectedIsa, threads } = cpu.info();
    const all = ['baseline', 'avx2', 'avx512'] as const;
    const paths = all.slice(0, all.indexOf(detectedIsa) + 1);
    const cols = (g.c / g.groups) * g.kh * g.kw;
    const mask = makeMask(g.o, cols, 0.3, 5);
    const p = patternFromMask(mask, g.o, cols);
    const v = compressValues(p, randn(g.o * cols, 6)) as Float32Array;
    const x = randn(g.n * g.c * g.h * g.w, 7);
    const gy = randn(g.n * g.o * g.oh * g.ow, 8);
    const dims = [g.n, g.c, g.h, g.w, g.o, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups];
    const run = () => {
      const y = new Float32Array(gy.length), gx = new Float32Array(x.length), gv = new Float32Array(p.nnz);
      cpu.sparseConv2dForward(x, ...dims, p.rowPtr, p.colIdx, v, null, y);
      cpu.sparseConv2dGradInput(gy, ...dims, p.colPtr, p.cscRow, p.cscPos, v, gx);
      cpu.sparseConv2dGradWeight(x, gy, ...dims, p.rowPtr, p.colIdx, gv);
      return [y, gx, gv];
    };
    try {
      const ref = run();
      for (const path of paths) {
        cpu.setIsa(path);
        cpu.setNumThreads(1);
        const one = run();
        cpu.setNumThreads(3);
        const three = run();
        for (let k = 0; k < 3; k++) {
          expect(three[k]).toEqual(one[k]);
          expect(relError(one[k], ref[k])).toBeLessThan(TOL);
        }
      }
    } finally {
      cpu.setIsa(isa);
      cpu.setNumThreads(threads);
    }
  });
});

describe('argument validation', () => {
  const mask = new Float32Array([1, 0, 1, 1, 0, 1]);
  const p = patternFromMask(mask, 2, 3);
  const v = new Float32Array(p.nnz);
  const x = new Float32Array(2 * 3), y = new Float32Array(2 * 2);
  const call = (over: Partial<Record<string, unknown>>) => {
    const a = { x, batch: 2, inF: 3, outF: 2, rowPtr: p.rowPtr, colIdx: p.colIdx, values: v, bias: null, y, ...over };
    return thrown(() => cpu.sparseLinearForward(a.x, a.batch, a.inF, a.outF, a.rowPtr, a.colIdx, a.values, a.bias, a.y));
  };
  test('bad patterns are RangeErrors naming the array', () => {
    expect(call({})).toBe('nothing thrown');
    expect(call({ colIdx: Int32Array.from([0, 2, 3, 0]) })).toMatch(/^RangeError: sparseLinearForward: 'colIdx' \[2\] = 3 is outside \[0, 2\]/);
    expect(call({ rowPtr: Int32Array.from([0, 3, 2]) })).toMatch(/^RangeError: .*'rowPtr' must be non-decreasing/);
    expect(call({ colIdx: Int32Array.from([2, 0, 0, 2]) })).toMatch(/^RangeError: sparseLinearForward: 'colIdx' must ascend within each row, but row 0 has \[1\] = 0 after 2/);
    expect(call({ rowPtr: Int32Array.from([1, 2, 4]) })).toMatch(/'rowPtr' \[0\] must be 0/);
    expect(call({ rowPtr: Int32Array.from([0, 2]) })).toMatch(/'rowPtr' has 2 entries, expected 3/);
    expect(call({ values: new Float32Array(3) })).toMatch(/'values' has 3 elements, expected 4/);
    expect(call({ x: new Float32Array(5) })).toMatch(/^RangeError: .*'x'/);
    expect(call({ x: new Float64Array(6) })).toMatch(/^TypeError: .*'x'/);
    expect(call({ bias: new Float32Array(3) })).toMatch(/'bias'/);
    expect(call({ batch: 0 })).toMatch(/^RangeError: .*'batch'/);
    const bad = Int32Array.from(p.cscPos);
    bad[1] = 9;
    expect(thrown(() => cpu.sparseLinearGradInput(y, 2, 3, 2, p.colPtr, p.cscRow, bad, v, x))).toMatch(/'cscPos' \[1\] = 9/);
    expect(thrown(() => cpu.sparseLinearGradInput(y, 2, 3, 2, p.colPtr, Int32Array.from([1, 0, 0, 1]), p.cscPos, v, x))).toMatch(
      /^RangeError: sparseLinearGradInput: 'cscRow' must ascend within each column, but column 0 has \[1\] = 0 after 1/,
    );
    expect(thrown(() => cpu.sparseLinearGradWeight(x, y, 2, 3, 2, p.rowPtr, p.colIdx))).toMatch(/expected 8 arguments/);
  });
  test('bad conv geometry is a RangeError', () => {
    const dims = [1, 3, 4, 4, 2, 3, 3, 1, 1, 0, 0, 1, 1, 2];
    expect(thrown(() => cpu.sparseConv2dForward(new Float32Array(48), ...dims, p.rowPtr, p.colIdx, v, null, new Float32Array(8)))).toMatch(
      /^RangeError: sparseConv2dForward: 'groups' must divide c = 3/,
    );
  });
});
