/**
 * The cpu backend routes every float32 kernel the addon exports to the native function (no
 * silent fallback to the reference loops), passes null for absent optional buffers, and
 * gives the same numbers as the reference on the same inputs.
 */
import { loadNative } from '../../lib/backend/native-loader';
import { CpuBackend } from '../../lib/backend/cpu';
import { ReferenceBackend } from '../../lib/backend/reference';
import type { Backend, Conv2dGeometry, Pool2dGeometry } from '../../lib/backend';
import { mismatch, rng } from '../ops/harness';

const addon = loadNative().addon;
const run = addon ? describe : describe.skip;

run('cpu backend wiring to the native addon', () => {
  const calls: { name: string; args: unknown[] }[] = [];
  const recording = Object.fromEntries(
    Object.entries(addon!).map(([k, f]) => [k, typeof f === 'function' ? (...args: unknown[]) => (calls.push({ name: k, args }), (f as (...a: unknown[]) => unknown)(...args)) : f]),
  );
  const cpu = new CpuBackend(recording as never);
  const ref = new ReferenceBackend();
  const r = rng(91);
  const rand = (n: number) => Float32Array.from({ length: n }, () => r() * 2 - 1);
  const distinct = (n: number) => Float32Array.from({ length: n }, (_, i) => ((i * 37) % n) / n - 0.5 + r() * 1e-3);

  /** Runs kernel on both backends with copies of the inputs; checks the native call and equal outputs. */
  function check(native: string, inputs: Float32Array[], outputs: number[], kernel: (be: Backend, ins: Float32Array[], outs: Float32Array[]) => void, tol = 1e-5): unknown[] {
    const outsCpu = outputs.map((n) => new Float32Array(n));
    const outsRef = outputs.map((n) => new Float32Array(n));
    calls.length = 0;
    kernel(cpu, inputs.map((a) => a.slice()), outsCpu);
    const call = calls.find((c) => c.name === native);
    if (!call) throw new Error(`${native} was not called natively (calls: ${calls.map((c) => c.name).join(', ') || 'none'})`);
    kernel(ref, inputs.map((a) => a.slice()), outsRef);
    outsCpu.forEach((o, i) => {
      const bad = mismatch(o, outsRef[i], tol);
      if (bad) throw new Error(`${native}, output ${i}: ${bad}`);
    });
    return call.args;
  }

  const pg: Pool2dGeometry = { n: 2, c: 3, h: 7, w: 6, kh: 3, kw: 2, sh: 2, sw: 2, ph: 1, pw: 0, oh: 4, ow: 3 };
  const cg: Conv2dGeometry = { n: 2, c: 4, h: 9, w: 10, o: 5, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, groups: 1, oh: 9, ow: 10 };
  const planes = pg.n * pg.c;
  const xs = planes * pg.h * pg.w;
  const ys = planes * pg.oh * pg.ow;

  test('max pooling gather (the adjoint used by double backward)', () => {
    const argmax = new Int32Array(ys);
    cpu.maxPool2dForward(distinct(xs), pg, new Float32Array(ys), argmax);
    check('maxPool2dGather', [rand(xs)], [ys], (be, [src], [out]) => be.maxPool2dGather(src, argmax, pg, out));
  });

  test('adaptive average pooling forward and backward', () => {
    const [oh, ow] = [3, 4];
    check('adaptiveAvgPool2dForward', [rand(xs)], [planes * oh * ow], (be, [x], [out]) => be.adaptiveAvgPool2dForward(x, pg.n, pg.c, pg.h, pg.w, oh, ow, out));
    check('adaptiveAvgPool2dBackward', [rand(planes * oh * ow)], [xs], (be, [gy], [gx]) => be.adaptiveAvgPool2dBackward(gy, pg.n, pg.c, pg.h, pg.w, oh, ow, gx));
  });

  test('batch norm without affine parameters passes null gamma and beta to the binding', () => {
    const [n, c, hw] = [3, 4, 5];
    const x = rand(n * c * hw);
    let args = check('batchNormTrainForward', [x], [n * c * hw, c, c], (be, [xx], [out, mean, invstd]) => be.batchNormTrainForward(xx, n, c, hw, null, null, 1e-5, out, mean, invstd));
    expect([args[4], args[5]]).toEqual([null, null]);
    args = check('batchNormEvalForward', [x, rand(c), Float32Array.from(rand(c), (v) => 1 + Math.abs(v))], [n * c * hw], (be, [xx, rm, rv], [out]) =>
      be.batchNormEvalForward(xx, n, c, hw, rm, rv, null, null, 1e-5, out),
    );
    expect([args[6], args[7]]).toEqual([null, null]);
    const mean = new Float32Array(c);
    const invstd = new Float32Array(c);
    ref.batchNormTrainForward(x, n, c, hw, null, null, 1e-5, new Float32Array(n * c * hw), mean, invstd);
    args = check('batchNormBackward', [rand(n * c * hw), x], [n * c * hw], (be, [gy, xx], [gx]) => be.batchNormBackward(gy, xx, n, c, hw, mean, invstd, null, gx, null, null), 1e-4);
    expect(args[7]).toBeNull();
  });

  test('masked GEMM and masked convolutions run the fused native kernels', () => {
    const [m, n, k] = [7, 5, 11];
    const mask = (len: number) => Float32Array.from({ length: len }, () => (r() < 0.4 ? 1 : 0));
    check('sgemm', [rand(m * k), rand(n * k), mask(n * k)], [m * n], (be, [a, b, bm], [c]) => be.gemmMasked!(false, true, m, n, k, 1, a, null, b, bm, 0, c));
    const ws = cg.o * cg.c * cg.kh * cg.kw;
    const xsz = cg.n * cg.c * cg.h * cg.w;
    const ysz = cg.n * cg.o * cg.oh * cg.ow;
    const wm = mask(ws);
    check('conv2dMaskedForward', [rand(xsz), rand(ws), rand(cg.o)], [ysz], (be, [x, w, b], [y]) => be.conv2dMaskedForward!(x, w, wm, b, cg, y));
    check('conv2dMaskedGradInput', [rand(ysz), rand(ws)], [xsz], (be, [gy, w], [gx]) => be.conv2dMaskedGradInput!(gy, w, wm, cg, gx));
    check('conv2dMaskedGradWeight', [rand(xsz), rand(ysz)], [ws], (be, [x, gy], [gw]) => be.conv2dMaskedGradWeight!(x, gy, wm, cg, gw), 1e-4);
  });

  test('large host arrays start on a 64-byte cache line; small ones as Node allocates them', () => {
    const probe = (a: Float32Array | Float64Array) => ((addon!.addressMod64(a.buffer) as number) + a.byteOffset) % 64;
    for (const [size, dtype] of [[1024, 'float32'], [1031, 'float32'], [4099, 'float64'], [1 << 20, 'float32']] as const) {
      for (const a of [cpu.alloc(size, dtype), cpu.zeros(size, dtype)] as (Float32Array | Float64Array)[]) {
        expect(a.length).toBe(size);
        expect(a instanceof (dtype === 'float32' ? Float32Array : Float64Array)).toBe(true);
        expect(probe(a)).toBe(0);
      }
      // A recycled array keeps its placement, and zeros() clears it.
      const a = cpu.alloc(size, dtype) as Float32Array;
      a.fill(3);
      cpu.free(a, size, dtype);
      const b = cpu.zeros(size, dtype) as Float32Array;
      expect(b).toBe(a);
      expect(probe(b)).toBe(0);
      expect(b.every((v) => v === 0)).toBe(true);
    }
    expect(cpu.alloc(100, 'float32').byteOffset).toBe(0);
  });
});
