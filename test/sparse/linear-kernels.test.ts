// Conformance of the compressed linear layer's chunked kernels (native/cpu/sparse_linear*):
// forward, input gradient and weight gradient against the dense-masked reference on every
// ISA path the CPU has, for batches around each path's chunk sizes (16, 32, 64 rows and
// their ragged tails), feature counts that are not multiples of a vector, densities from
// 100% to 0.01%, empty rows and columns, one survivor and an empty layer; and the results
// bitwise identical across thread counts.
import { loadNative } from '../../lib/backend/native-loader';
import { compressValues, decompress, patternFromMask, type SparsePattern } from '../../lib/backend/sparse/pattern';
import { denseMaskedLinear, randomMask, relError } from './dense-masked';
import { randn, seededRandom } from './seeded-random';

const { addon, error } = loadNative();
if (!addon) throw new Error(`the CPU addon did not load: ${error}`);
const cpu = addon;
const TOL = 2e-5;
const initial = cpu.info();
const ORDER = ['baseline', 'avx2', 'avx512'] as const;
const PATHS = ORDER.slice(0, ORDER.indexOf(initial.detectedIsa) + 1);

afterAll(() => {
  cpu.setIsa(initial.isa);
  cpu.setNumThreads(initial.threads);
});

type MaskKind = number | 'one' | 'empty' | 'holes' | 'full-column';

function makeMask(rows: number, cols: number, kind: MaskKind, seed: number): Float32Array {
  const r = seededRandom(seed);
  const m = new Float32Array(rows * cols);
  if (kind === 'empty') return m;
  if (kind === 'one') {
    m[Math.floor(r() * rows * cols)] = 1;
    return m;
  }
  if (kind === 'full-column') {
    // One column dense, the rest empty: a single feature feeds every output.
    const c = Math.floor(r() * cols);
    for (let i = 0; i < rows; i++) m[i * cols + c] = 1;
    return m;
  }
  const d = randomMask(rows * cols, kind === 'holes' ? 0.5 : kind, r);
  if (kind === 'holes')
    // Every third row and every second column empty.
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (i % 3 === 1 || j % 2 === 0) d[i * cols + j] = 0;
  return d;
}

interface Case {
  x: Float32Array;
  gy: Float32Array;
  bias: Float32Array | null;
  values: Float32Array;
  p: SparsePattern;
  batch: number;
  inF: number;
  outF: number;
}

function makeCase(batch: number, inF: number, outF: number, kind: MaskKind, seed: number, withBias: boolean): Case & { mask: Float32Array; w: Float32Array } {
  const mask = makeMask(outF, inF, kind, seed);
  const w = randn(outF * inF, seed + 1);
  const p = patternFromMask(mask, outF, inF);
  return {
    mask,
    w,
    p,
    values: compressValues(p, w) as Float32Array,
    x: randn(batch * inF, seed + 2),
    gy: randn(batch * outF, seed + 3),
    bias: withBias ? randn(outF, seed + 4) : null,
    batch,
    inF,
    outF,
  };
}

/** Forward, input gradient and weight gradient into NaN-filled outputs (so unwritten entries show). */
function run(c: Case): [Float32Array, Float32Array, Float32Array] {
  const { p, batch, inF, outF } = c;
  const y = new Float32Array(batch * outF).fill(NaN);
  const gx = new Float32Array(batch * inF).fill(NaN);
  const gv = new Float32Array(p.nnz).fill(NaN);
  cpu.sparseLinearForward(c.x, batch, inF, outF, p.rowPtr, p.colIdx, c.values, c.bias, y);
  cpu.sparseLinearGradInput(c.gy, batch, inF, outF, p.colPtr, p.cscRow, p.cscPos, c.values, gx);
  cpu.sparseLinearGradWeight(c.x, c.gy, batch, inF, outF, p.rowPtr, p.colIdx, gv);
  return [y, gx, gv];
}

function errors(c: ReturnType<typeof makeCase>): { y: number; gx: number; gw: number } {
  const [y, gx, gv] = run(c);
  const want = denseMaskedLinear(c.x, c.gy, c.w, c.mask, c.bias, c.batch, c.inF, c.outF);
  return { y: relError(y, want.y), gx: relError(gx, want.gx), gw: relError(decompress(c.p, gv), want.gw) };
}

const KINDS: MaskKind[] = [1, 0.5, 0.1, 0.01, 0.001, 0.0001, 'one', 'empty', 'holes', 'full-column'];

describe.each(PATHS)('%s path equals dense-masked', (isa) => {
  beforeAll(() => cpu.setIsa(isa));
  // Batches on both sides of the 4-, 8- and 16-row vectors and of the 32- and 64-row
  // chunks, primes, and a batch of one; features from 1 to past a few vectors.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 37, 19],
    [3, 17, 5],
    [16, 32, 48],
    [17, 41, 23],
    [31, 7, 53],
    [33, 64, 16],
    [64, 29, 33],
    [65, 50, 70],
    [97, 16, 1],
    [129, 3, 31],
    [255, 40, 24],
  ];
  for (const [batch, inF, outF] of shapes)
    test(`batch ${batch}, ${inF} -> ${outF}`, () => {
      for (const kind of KINDS) {
        const e = errors(makeCase(batch, inF, outF, kind, batch * 31 + inF * 7 + outF, outF % 2 === 1));
        expect({ kind, y: e.y < TOL, gx: e.gx < TOL, gw: e.gw < TOL }).toEqual({ kind, y: true, gx: true, gw: true });
      }
    });
});

test('bitwise identical across thread counts on every path', () => {
  // Several chunks (the weight gradient sums per-chunk partials) and several row ranges.
  const c = makeCase(150, 90, 110, 0.2, 11, true);
  for (const isa of PATHS) {
    cpu.setIsa(isa);
    cpu.setNumThreads(1);
    const one = run(c);
    cpu.setNumThreads(3);
    const three = run(c);
    cpu.setNumThreads(2);
    const two = run(c);
    for (let k = 0; k < 3; k++) {
      expect(three[k]).toEqual(one[k]);
      expect(two[k]).toEqual(one[k]);
    }
  }
});

test('outputs at every offset from a cache line (the kernels align their stores to the output)', () => {
  // Feature counts that are multiples of 16 give every output row the same alignment, so
  // the kernels shift their 16-feature groups to it; views at offsets 0..15 floats cover
  // every shift on every path, for both the forward (y) and the input gradient (gx).
  for (const isa of PATHS) {
    cpu.setIsa(isa);
    for (let off = 0; off < 16; off++) {
      const c = makeCase(37, 48, 32, 0.3, 100 + off, true);
      const view = (n: number) => new Float32Array(n + 16).fill(NaN).subarray(off, off + n);
      const { p, batch, inF, outF } = c;
      const y = view(batch * outF), gx = view(batch * inF);
      const x = view(batch * inF), gy = view(batch * outF);
      x.set(c.x);
      gy.set(c.gy);
      cpu.setNumThreads(off % 2 === 0 ? 2 : 3);
      cpu.sparseLinearForward(x, batch, inF, outF, p.rowPtr, p.colIdx, c.values, c.bias, y);
      cpu.sparseLinearGradInput(gy, batch, inF, outF, p.colPtr, p.cscRow, p.cscPos, c.values, gx);
      const want = denseMaskedLinear(c.x, c.gy, c.w, c.mask, c.bias, batch, inF, outF);
      expect({ isa, off, y: relError(y, want.y) < TOL, gx: relError(gx, want.gx) < TOL }).toEqual({ isa, off, y: true, gx: true });
    }
  }
  cpu.setNumThreads(initial.threads);
});

test('inputs are left unchanged and repeated calls agree', () => {
  const c = makeCase(70, 33, 45, 0.3, 21, true);
  const copies = [c.x, c.gy, c.values, c.bias!].map((a) => Float32Array.from(a));
  const first = run(c);
  // A different shape in between reuses the per-thread scratch at another size.
  run(makeCase(5, 300, 7, 0.5, 22, false));
  const second = run(c);
  for (let k = 0; k < 3; k++) expect(second[k]).toEqual(first[k]);
  expect([c.x, c.gy, c.values, c.bias!]).toEqual(copies);
});
