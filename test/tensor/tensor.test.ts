/** Tensor creation, views, memory scopes and autograd bookkeeping. */
import { Tensor, arange, fromArray, full, keep, manualSeed, memory, ones, rand, randn, tidy, zeros } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { grad, isGradEnabled, noGrad } from '../../lib/autograd';
import * as inPlaceOps from '../../lib/ops/in-place';
import { philoxNormal, philoxUniform } from '../../lib/backend/reference/philox';

const ref = { backend: 'reference' as const };

test('creation: shapes, dtypes, values', () => {
  expect(zeros([2, 3], ref).toArray()).toEqual([0, 0, 0, 0, 0, 0]);
  expect(ones([3], ref).toArray()).toEqual([1, 1, 1]);
  expect(full([2], 2.5, ref).toArray()).toEqual([2.5, 2.5]);
  expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
  expect(arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
  const t = fromArray([1, 2, 3, 4, 5, 6], [2, 3], { ...ref, dtype: 'float64' });
  expect(t.shape).toEqual([2, 3]);
  expect(t.dtype).toBe('float64');
  expect(t.data()).toBeInstanceOf(Float64Array);
  expect(t.size).toBe(6);
  expect(t.ndim).toBe(2);
  expect(t.device).toBe('cpu');
  expect(fromArray([7], [], ref).item()).toBe(7);
  expect(() => fromArray([1, 2, 3], [2, 2], ref)).toThrow(/3 values do not fill shape \[2, 2\]/);
});

test('rand and randn follow the Philox contract for (seed, offset)', () => {
  const u = rand([9], { seed: 42, offset: 5 });
  const want = new Float32Array(9);
  philoxUniform(42, 5, want);
  expect(Array.from(u.data())).toEqual(Array.from(want));
  const n = randn([7], { seed: 3, mean: 1, std: 2, dtype: 'float64', backend: 'reference' });
  const wantN = new Float64Array(7);
  philoxNormal(3, 0, wantN, 1, 2);
  expect(Array.from(n.data())).toEqual(Array.from(wantN));
  // Without a seed, the global stream advances: two draws differ, manualSeed replays them.
  manualSeed(9);
  const a = rand([4]).toArray();
  const b = rand([4]).toArray();
  expect(a).not.toEqual(b);
  manualSeed(9);
  expect(rand([4]).toArray()).toEqual(a);
});

test('reshape, view, flatten and slice share storage; transpose and permute copy', () => {
  const t = arange(12, undefined, 1, ref);
  const r = t.reshape(3, -1);
  expect(r.shape).toEqual([3, 4]);
  r.data()[0] = 100;
  expect(t.data()[0]).toBe(100);
  expect(t.view([2, 2, 3]).flatten(1).shape).toEqual([2, 6]);
  const s = r.slice(1, 3);
  expect(s.shape).toEqual([2, 4]);
  s.data()[0] = -1;
  expect(t.data()[4]).toBe(-1);
  expect(r.slice(-1).toArray()).toEqual([8, 9, 10, 11]);
  const tr = r.transpose(0, 1);
  expect(tr.shape).toEqual([4, 3]);
  expect(tr.toArray().slice(0, 3)).toEqual([100, -1, 8]);
  expect(fromArray([1, 2, 3, 4, 5, 6], [1, 2, 3], ref).permute(2, 0, 1).toArray()).toEqual([1, 4, 2, 5, 3, 6]);
});

test('Tensor.fromStorage wraps an arena window without copying', () => {
  const arena = new Float32Array(10);
  const w = Tensor.fromStorage(arena.subarray(2, 8), [2, 3], { requiresGrad: true });
  expect(w.requiresGrad).toBe(true);
  w.data()[0] = 5;
  expect(arena[2]).toBe(5);
  arena[7] = 9;
  expect(w.toArray()[5]).toBe(9);
  w.fill_(1);
  expect(Array.from(arena)).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 0, 0]);
  w.mulInPlace_(fromArray([1, 0, 1, 0, 1, 0], [2, 3], { backend: w.backend }));
  expect(Array.from(arena.subarray(2, 8))).toEqual([1, 0, 1, 0, 1, 0]);
  w.copy_(fromArray([6, 5, 4, 3, 2, 1], [6]));
  expect(Array.from(arena.subarray(2, 8))).toEqual([6, 5, 4, 3, 2, 1]);
  expect(() => Tensor.fromStorage(arena, [3, 3])).toThrow(/needs 9 elements, the array has 10/);
});

test('tidy disposes everything but results and kept tensors; scopes nest', () => {
  const before = memory().tensors;
  let inner: Tensor | null = null;
  let kept: Tensor | null = null;
  const out = tidy(() => {
    const a = ones([3], ref);
    kept = keep(o.mul(a, 2));
    inner = tidy(() => o.add(a, 1));
    const unused = o.exp(a);
    expect(unused.isDisposed).toBe(false);
    return { result: o.add(inner, a), list: [inner] };
  });
  expect(out.result.toArray()).toEqual([3, 3, 3]);
  expect(inner!.isDisposed).toBe(false);
  expect(kept!.isDisposed).toBe(false);
  expect(memory().tensors).toBe(before + 3);
  out.result.dispose();
  inner!.dispose();
  kept!.dispose();
  expect(memory().tensors).toBe(before);
  expect(() => tidy(() => Promise.resolve(1) as never)).toThrow(/Promise/);
});

test('dispose frees storage once the last view goes', () => {
  const start = memory();
  const a = zeros([100], ref);
  const v = a.reshape(10, 10);
  expect(memory().bytes).toBe(start.bytes + 400);
  a.dispose();
  expect(a.isDisposed).toBe(true);
  expect(memory().bytes).toBe(start.bytes + 400);
  v.dispose();
  expect(memory().bytes).toBe(start.bytes);
  expect(memory().tensors).toBe(start.tensors);
});

test('gradients accumulate across backward calls; hooks see and replace the gradient', () => {
  const w = fromArray([1, 2, 3], [3], ref).requiresGrad_();
  o.sum(o.mul(w, w)).backward();
  expect(w.grad!.toArray()).toEqual([2, 4, 6]);
  o.sum(o.mul(w, 3)).backward();
  expect(w.grad!.toArray()).toEqual([5, 7, 9]);
  const mask = fromArray([1, 0, 1], [3], ref);
  const seen: number[][] = [];
  const remove = w.registerHook((g) => {
    seen.push(g.toArray());
    return o.mul(g, mask);
  });
  w.grad!.zero_();
  o.sum(o.mul(w, w)).backward();
  expect(seen).toEqual([[2, 4, 6]]);
  expect(w.grad!.toArray()).toEqual([2, 0, 6]);
  remove();
  w.grad!.zero_();
  o.sum(o.mul(w, w)).backward();
  expect(w.grad!.toArray()).toEqual([2, 4, 6]);
});

test('one tensor used twice, and shared gradients, stay separate', () => {
  const a = fromArray([1, 2], [2], ref).requiresGrad_();
  const b = fromArray([3, 4], [2], ref).requiresGrad_();
  o.sum(o.add(o.add(a, b), a)).backward();
  expect(a.grad!.toArray()).toEqual([2, 2]);
  expect(b.grad!.toArray()).toEqual([1, 1]);
  expect(a.grad).not.toBe(b.grad);
  o.sum(o.add(a, b)).backward();
  expect(a.grad!.toArray()).toEqual([3, 3]);
  expect(b.grad!.toArray()).toEqual([2, 2]);
});

test('a gradient summed from two paths (a residual junction) goes into the first one, with the right values', () => {
  const inPlace = jest.spyOn(inPlaceOps, 'addInPlace');
  // b gets d/db sum(b + 1) = 1 first, then d/db sum(3 b) = 3: the sum goes into the first.
  const a = fromArray([1, 2, -1], [3], ref).requiresGrad_();
  tidy(() => {
    const b = o.mul(a, 2);
    o.add(o.sum(o.add(b, 1)), o.sum(o.mul(b, 3))).backward();
  });
  expect(a.grad!.toArray()).toEqual([8, 8, 8]);
  expect(inPlace).toHaveBeenCalledTimes(1);
  // A gradient shared by two inputs (add's backward hands gy to both) is not summed into.
  inPlace.mockClear();
  const c = fromArray([1, 2], [2], ref).requiresGrad_();
  const d = fromArray([3, 4], [2], ref).requiresGrad_();
  tidy(() => o.sum(o.mul(o.add(o.add(c, d), c), 2)).backward());
  expect(c.grad!.toArray()).toEqual([4, 4]);
  expect(d.grad!.toArray()).toEqual([2, 2]);
  inPlace.mockRestore();
});

test('grad() leaves .grad alone; createGraph gives differentiable gradients', () => {
  const x = fromArray([0.5, -1, 2], [3], { ...ref, dtype: 'float64' }).requiresGrad_();
  const [g] = grad(o.sum(o.pow(x, 3)), x, { createGraph: true });
  expect(x.grad).toBeNull();
  expect(g!.requiresGrad).toBe(true);
  expect(g!.toArray()).toEqual([0.75, 3, 12]);
  const [h] = grad(o.sum(g!), x);
  expect(h!.toArray()).toEqual([3, -6, 12]);
});

test('noGrad records nothing; detach cuts the tape', () => {
  const w = ones([2], ref).requiresGrad_();
  const y = noGrad(() => {
    expect(isGradEnabled()).toBe(false);
    return o.mul(w, 2);
  });
  expect(isGradEnabled()).toBe(true);
  expect(y.requiresGrad).toBe(false);
  expect(y.isLeaf).toBe(true);
  const z = o.mul(w, 2);
  expect(z.isLeaf).toBe(false);
  expect(z.detach().requiresGrad).toBe(false);
});

test('backward frees temporaries: live tensors after backward are the inputs plus gradients', () => {
  const start = memory().tensors;
  const w = randn([4, 3], { ...ref, seed: 1 }).requiresGrad_();
  const x = randn([5, 3], { ...ref, seed: 2 });
  tidy(() => o.crossEntropy(o.linear(x, w), Int32Array.of(0, 1, 2, 3, 0)).backward());
  expect(memory().tensors).toBe(start + 3);
});

test('leaf gradients never share memory, even when the backward hands out views of one gradient', () => {
  const a = fromArray([1, 2, 3, 4], [2, 2], ref).requiresGrad_();
  const b = fromArray([1, 1, 1, 1], [4], ref).requiresGrad_();
  o.sum(o.mul(o.add(o.reshape(a, [4]), b), fromArray([1, 2, 3, 4], [4], ref))).backward();
  expect(a.grad!.toArray()).toEqual([1, 2, 3, 4]);
  expect(b.grad!.toArray()).toEqual([1, 2, 3, 4]);
  a.grad!.fill_(0);
  expect(b.grad!.toArray()).toEqual([1, 2, 3, 4]);
  const c = fromArray([5, 6], [2], ref).requiresGrad_();
  const d = fromArray([7, 8], [1, 2], ref).requiresGrad_();
  o.sum(o.add(o.reshape(c, [1, 2]), d)).backward();
  c.grad!.fill_(9);
  expect(d.grad!.toArray()).toEqual([1, 1]);
});
