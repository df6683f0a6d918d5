/**
 * Device memory, tensors on cuda, the arena kernels and argument checks of the CUDA addon.
 * Needs a GPU: runs only with PAI_TEST_CUDA=1 (scripts/cuda/test.sh sets it); without it the
 * suite is skipped with a visible message. PAI_CUDA_ADDON_PATH may point at the CPU-emulator
 * build (build-cuda-emu) to run it without a GPU.
 */
import { loadCuda } from '../../lib/backend/cuda/loader';
import type { CudaAddon, DeviceBuffer } from '../../lib/backend/cuda/addon';
import { getBackend, setBackend } from '../../lib/backend';
import { fromArray, randn, tidy, zeros } from '../../lib/tensor';
import * as o from '../../lib/ops';

const skip =
  process.env.PAI_TEST_CUDA !== '1'
    ? 'set PAI_TEST_CUDA=1 on a machine with a CUDA device to run it'
    : loadCuda().error;

if (skip) {
  describe('CUDA device', () => {
    test.skip(`skipped: ${skip}`, () => undefined);
  });
  console.warn(`CUDA device tests skipped: ${skip}`);
} else {
  const addon = loadCuda().addon as CudaAddon;
  const f32 = (b: DeviceBuffer, n: number): Float32Array => {
    const out = new Float32Array(n);
    addon.download(b, out, 0);
    return out;
  };
  const upload = (values: number[] | Float32Array): DeviceBuffer => {
    const a = values instanceof Float32Array ? values : Float32Array.from(values);
    const b = new addon.DeviceBuffer(a.length * 4);
    addon.upload(b, a, 0);
    return b;
  };

  describe('CUDA device memory', () => {
    test('upload, download, views, copy, fill and zero', () => {
      const b = upload([1, 2, 3, 4, 5, 6, 7]);
      expect(Array.from(f32(b, 7))).toEqual([1, 2, 3, 4, 5, 6, 7]);
      const v = b.view(8, 12);
      expect(v.byteLength).toBe(12);
      expect(Array.from(f32(v, 3))).toEqual([3, 4, 5]);
      addon.fill(v, 9);
      expect(Array.from(f32(b, 7))).toEqual([1, 2, 9, 9, 9, 6, 7]);
      const c = new addon.DeviceBuffer(28);
      addon.copy(c, 4, b, 0, 12);
      addon.zero(v);
      expect(Array.from(f32(b, 7))).toEqual([1, 2, 0, 0, 0, 6, 7]);
      expect(Array.from(f32(c, 4)).slice(1)).toEqual([1, 2, 9]);
      // A view keeps its memory alive after the parent handle is disposed.
      b.dispose();
      expect(b.disposed).toBe(true);
      expect(Array.from(f32(v, 3))).toEqual([0, 0, 0]);
      expect(() => f32(b, 1)).toThrow(/disposed/);
      v.dispose();
      c.dispose();
    });

    test('disposed memory returns to the cache and is reused', () => {
      addon.synchronize();
      const before = addon.memoryStats();
      const bufs = Array.from({ length: 20 }, () => new addon.DeviceBuffer(1 << 20));
      expect(addon.memoryStats().inUse).toBeGreaterThanOrEqual(before.inUse + 20 * (1 << 20));
      bufs.forEach((b) => b.dispose());
      expect(addon.memoryStats().inUse).toBe(before.inUse);
      const mallocs = addon.memoryStats().deviceMallocs;
      const again = Array.from({ length: 20 }, () => new addon.DeviceBuffer(1 << 20));
      expect(addon.memoryStats().deviceMallocs).toBe(mallocs);
      again.forEach((b) => b.dispose());
    });

    test('out of memory is a clear error after one retry, and the process goes on', () => {
      const total = addon.info().devices[0].memory;
      expect(() => new addon.DeviceBuffer(Math.min(total * 4, 2 ** 46))).toThrow(/out of GPU memory.*dispose\(\) or tidy\(\)/);
      const b = upload([1, 2]);
      expect(Array.from(f32(b, 2))).toEqual([1, 2]);
      b.dispose();
    });

    test('bad arguments throw TypeError/RangeError naming the function and argument', () => {
      const b = upload([1, 2, 3, 4]);
      const cases: [() => unknown, RegExp][] = [
        [() => (addon as any).sgemm(false, false, 2, 2, 2, 1, b, 2, new Float32Array(4), 2, 0, b, 2, null, null), /sgemm: argument 8 'b'/],
        [() => addon.sgemm(false, false, 3, 3, 3, 1, b, 3, b, 3, 0, b, 3, null, null), /sgemm: 'a' has 4 elements/],
        [() => addon.unary('nope', b, b, 0, 0), /unary: 'op'/],
        [() => addon.binary('add', b, Int32Array.of(1), b, Int32Array.of(1), b, Int32Array.of(5)), /binary: 'a'/],
        [() => addon.softmaxCrossEntropy(b, 2, 2, Int32Array.of(0, 2), b, null), /label 2 of row 1/],
        [() => addon.reduceMax(b, 1, 0, 4, b, b), /len/],
        [() => addon.conv2dForward(b, 1, 1, 2, 2, b, 1, 3, 3, null, 1, 1, 0, 0, 1, 1, 1, b), /conv2dForward: 'kh'/],
        [() => addon.selectTopK(b, 5, b), /selectTopK: 'k'/],
        [() => addon.upload(b, new Float32Array(5), 0), /upload: 'src'/],
        [() => addon.philoxUniform(-1, 0, 0, b), /philoxUniform: 'seedLo'/],
        [() => b.view(8, 12), /view: 'byteLength'/],
      ];
      for (const [call, pattern] of cases) {
        let error: unknown = null;
        try {
          call();
        } catch (e) {
          error = e;
        }
        // Native errors come from Node's realm, not jest's: compare by name, not instanceof.
        expect(error).not.toBeNull();
        expect((error as Error).constructor.name).toMatch(/TypeError|RangeError/);
        expect((error as Error).message).toMatch(pattern);
      }
      b.dispose();
    });
  });

  describe('tensors on cuda', () => {
    test("to('cuda'), cpu(), item() and the device field", () => {
      const x = fromArray([1, -2, 3, -4, 5, -6], [2, 3]);
      const g = x.to('cuda');
      expect(g.device).toBe('cuda');
      expect(g.backend.name).toBe('cuda');
      expect(g.cpu().toArray()).toEqual([1, -2, 3, -4, 5, -6]);
      expect(o.sum(o.relu(g)).item()).toBe(9);
      g.dispose();
      x.dispose();
    });

    test('a conv + batch norm + linear step on cuda matches cpu, gradients included', () => {
      const run = (device: 'cpu' | 'cuda'): number[][] =>
        tidy(() => {
          const x = randn([4, 3, 9, 9], { seed: 1 }).to(device);
          const w = randn([5, 3, 3, 3], { seed: 2, std: 0.3 }).to(device).requiresGrad_();
          const fc = randn([7, 5 * 4 * 4], { seed: 3, std: 0.1 }).to(device).requiresGrad_();
          let h = o.conv2d(x, w, null, { padding: 1 });
          h = o.batchNorm(h, {
            runningMean: zeros([5], { device }),
            runningVar: zeros([5], { device }).add(1),
            weight: null,
            bias: null,
            training: true,
          });
          h = o.maxPool2d(o.relu(h), { kernelSize: 2 });
          const logits = o.linear(o.flatten(h, 1), fc);
          const loss = o.crossEntropy(logits, Int32Array.of(0, 3, 6, 2));
          loss.backward();
          return [loss.toArray(), w.grad!.toArray(), fc.grad!.toArray()];
        });
      const cpu = run('cpu');
      const gpu = run('cuda');
      cpu.forEach((want, i) => want.forEach((v, j) => expect(gpu[i][j]).toBeCloseTo(v, 4)));
    });

    test('PAI_BACKEND=cuda equivalent: setBackend makes new tensors live on the GPU', () => {
      const before = getBackend();
      try {
        setBackend('cuda');
        const t = zeros([3]);
        expect(t.device).toBe('cuda');
        t.dispose();
      } finally {
        setBackend(before.name);
      }
    });
  });

  describe('arena kernels on cuda', () => {
    test('selectTopK keeps exactly k, ties to the lower index, like the cpu', () => {
      const n = 100003;
      const scores = Float32Array.from({ length: n }, (_, i) => Math.round(Math.sin(i * 7.1) * 5) / 5);
      const k = 31337;
      const s = upload(scores);
      const m = new addon.DeviceBuffer(n * 4);
      const threshold = addon.selectTopK(s, k, m);
      const mask = f32(m, n);
      expect(mask.reduce((a, v) => a + v, 0)).toBe(k);
      const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
      const want = new Float32Array(n);
      for (let i = 0; i < k; i++) want[order[i]] = 1;
      expect(Array.from(mask)).toEqual(Array.from(want));
      expect(threshold).toBe(scores[order[k - 1]]);
      scores[17] = NaN;
      addon.upload(s, scores, 0);
      expect(() => addon.selectTopK(s, k, m)).toThrow(/NaN at index 17/);
      s.dispose();
      m.dispose();
    });
  });
}
