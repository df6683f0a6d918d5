/**
 * Masks as safetensors with PyTorch keys: a mask file written elsewhere (by hand here, in
 * the format PyTorch's safetensors writes) loads onto the same weights and applies.
 */
import * as path from 'path';
import { createModel } from '../../lib/models';
import { Tensor, tidy } from '../../lib/tensor';
import { noGrad } from '../../lib/autograd';
import { applyMasks, loadMasks, masksByName, saveMasks } from '../../lib/experiments/masks-file';
import { loadSafetensors } from '../../lib/io/safetensors';
import { handWrittenSafetensors, tempDir } from './tiny';

const model = () => createModel('lenet300', { inputShape: [1, 8, 8], numClasses: 3, seed: 7 });

/** A deterministic 0/1 pattern with some of each, different per layer. */
function pattern(n: number, salt: number): number[] {
  return Array.from({ length: n }, (_, i) => ((i * 7 + salt) % 5 < 2 ? 0 : 1));
}

function output(m: ReturnType<typeof model>, x: Float32Array): Float32Array {
  return tidy(() => noGrad(() => (m.forward(Tensor.fromStorage(x, [2, 1, 8, 8])).data() as Float32Array).slice()));
}

describe('masks files', () => {
  test('a hand-written mask file (BOOL, PyTorch parameter names) loads onto the same weights and applies', () => {
    const m = model();
    const before = m.arena.values.slice();
    const entries = m.arena.prunableParameters();
    const file = path.join(tempDir(), 'masks.safetensors');
    const masks = entries.map((e, k) => ({ name: e.key, dtype: 'BOOL' as const, shape: [...e.param.shape], values: pattern(e.length, k) }));
    handWrittenSafetensors(file, masks);
    loadMasks(file, m);
    expect(m.arena.masksActive).toBe(true);
    entries.forEach((e, k) => {
      const want = masks[k].values;
      expect(Array.from(m.arena.masks.subarray(e.offset, e.offset + e.length))).toEqual(want);
      const kept = Array.from(before.subarray(e.offset, e.offset + e.length), (v, i) => (want[i] ? v : 0));
      expect(Array.from(m.arena.values.subarray(e.offset, e.offset + e.length))).toEqual(kept);
    });
    // The masked net computes with weight * mask: the same as a dense copy whose weights were zeroed by hand.
    const dense = model();
    entries.forEach((e, k) => masks[k].values.forEach((v, i) => (dense.arena.values[e.offset + i] *= v)));
    const x = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i));
    const a = output(m, x);
    const b = output(dense, x);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 5);
  });

  test("SynFlow's `_mask` buffer names and U8/F32 dtypes load too; a layer left out keeps its mask", () => {
    const m = model();
    const [first, second] = m.arena.prunableParameters();
    const file = path.join(tempDir(), 'synflow.safetensors');
    handWrittenSafetensors(file, [
      { name: `${first.key}_mask`, dtype: 'U8', shape: [...first.param.shape], values: pattern(first.length, 3) },
      { name: second.key, dtype: 'F32', shape: [...second.param.shape], values: pattern(second.length, 4) },
    ]);
    loadMasks(file, m);
    const byName = masksByName(m);
    expect(Array.from(byName[first.key])).toEqual(pattern(first.length, 3));
    expect(Array.from(byName[second.key])).toEqual(pattern(second.length, 4));
    const last = m.arena.prunableParameters().at(-1)!;
    expect(byName[last.key].every((v) => v === 1)).toBe(true);
  });

  test('saveMasks writes F32 0/1 tensors under the parameter names and shapes; they load back', () => {
    const m = model();
    const entries = m.arena.prunableParameters();
    applyMasks(m, Object.fromEntries(entries.map((e, k) => [e.key, pattern(e.length, k + 1)])));
    const file = path.join(tempDir(), 'out.safetensors');
    saveMasks(file, m);
    const { tensors, metadata } = loadSafetensors(file);
    expect(metadata.format).toBe('prune-at-init/masks');
    expect(Object.keys(tensors)).toEqual(entries.map((e) => e.key));
    for (const e of entries) expect(tensors[e.key]).toMatchObject({ dtype: 'F32', shape: [...e.param.shape] });
    const again = model();
    loadMasks(file, again);
    expect(Array.from(again.arena.masks)).toEqual(Array.from(m.arena.masks));
  });

  test.each([
    ['an unknown name', (e: { key: string; length: number; shape: number[] }) => [{ name: 'features.9.weight', dtype: 'U8' as const, shape: e.shape, values: pattern(e.length, 0) }], /'features\.9\.weight' is not a prunable weight.*fc1\.weight/],
    ['a wrong shape', (e: { key: string; length: number; shape: number[] }) => [{ name: e.key, dtype: 'U8' as const, shape: [e.length], values: pattern(e.length, 0) }], /has shape \[\d+\], the weight 'fc1\.weight' \[300, 64\]/],
    ['a value other than 0 and 1', (e: { key: string; length: number; shape: number[] }) => [{ name: e.key, dtype: 'U8' as const, shape: e.shape, values: pattern(e.length, 0).map((v, i) => (i === 5 ? 2 : v)) }], /holds 2 at index 5/],
  ])('%s throws naming it and leaves the model untouched', (_what, make, message) => {
    const m = model();
    const first = m.arena.prunableParameters()[0];
    const file = path.join(tempDir(), 'bad.safetensors');
    handWrittenSafetensors(file, make({ key: first.key, length: first.length, shape: [...first.param.shape] }));
    const values = m.arena.values.slice();
    expect(() => loadMasks(file, m)).toThrow(message);
    expect(m.arena.masks.every((v) => v === 1)).toBe(true);
    expect(Array.from(m.arena.values)).toEqual(Array.from(values));
  });
});
