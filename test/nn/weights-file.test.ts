import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createModel } from '../../lib/models';
import { loadWeights, saveWeights } from '../../lib/nn';
import { loadSafetensors, saveSafetensors, type SafetensorsInput } from '../../lib/io/safetensors';

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pai-weights-'))));
afterAll(() => fs.rmSync(dir, { recursive: true }));

describe('weights files (safetensors, PyTorch keys)', () => {
  test('save then load restores weights, buffers and masks; keys and dtypes are PyTorch', () => {
    const a = createModel('resnet20', { inputShape: [3, 8, 8], seed: 1 });
    for (let i = 0; i < a.arena.prunableLength; i++) a.arena.masks[i] = i % 3 ? 1 : 0;
    a.arena.activateMasks();
    (a.stateDict().get('bn.running_mean')!.data() as Float32Array).fill(0.5);
    (a.stateDict().get('bn.num_batches_tracked')!.data() as Float32Array)[0] = 7;
    const file = path.join(dir, 'a.safetensors');
    saveWeights(file, a);
    const raw = loadSafetensors(file).tensors;
    expect(raw['bn.num_batches_tracked'].dtype).toBe('I64');
    expect(raw['conv.weight'].dtype).toBe('F32');
    expect(raw['conv.weight'].shape).toEqual([16, 3, 3, 3]);
    expect(raw['conv.weight_mask']).toBeDefined();
    expect(raw['fc.bias_mask']).toBeUndefined();

    const b = createModel('resnet20', { inputShape: [3, 8, 8], seed: 2 });
    expect(loadWeights(file, b)).toEqual({ masked: true });
    expect(Array.from(b.arena.values)).toEqual(Array.from(a.arena.values));
    expect(Array.from(b.arena.masks)).toEqual(Array.from(a.arena.masks));
    expect(b.arena.masksActive).toBe(true);
    expect(b.stateDict().get('bn.running_mean')!.data()[0]).toBe(0.5);
    const bn = b.modules().find((m) => m.constructor.name === 'BatchNorm2d') as unknown as { numBatchesTracked: number };
    expect(bn.numBatchesTracked).toBe(7);
  });

  test('reads a SynFlow-style file: all-ones bias and batch-norm masks are accepted, a pruning one is not', () => {
    const m = createModel('fc', { inputShape: [1, 2, 2], numClasses: 2, seed: 3 });
    const tensors: Record<string, SafetensorsInput> = {};
    for (const [k, t] of m.stateDict()) {
      tensors[k] = { dtype: 'F32', shape: [...t.shape], data: t.data() };
      tensors[`${k}_mask`] = { dtype: 'F32', shape: [...t.shape], data: new Float32Array(t.size).fill(1) };
    }
    const w1 = new Float32Array(400).fill(1);
    w1[5] = 0;
    tensors['1.weight_mask'] = { dtype: 'F32', shape: [100, 4], data: w1 };
    const file = path.join(dir, 'synflow.safetensors');
    saveSafetensors(file, tensors);
    const fresh = createModel('fc', { inputShape: [1, 2, 2], numClasses: 2, seed: 4 });
    expect(loadWeights(file, fresh).masked).toBe(true);
    expect(fresh.arena.masks[5]).toBe(0);
    expect(fresh.arena.values[5]).toBe(0);

    tensors['1.bias_mask'] = { dtype: 'F32', shape: [100], data: new Float32Array(100) };
    saveSafetensors(file, tensors);
    expect(() => loadWeights(file, fresh)).toThrow(/'1.bias' is not prunable here/);
  });

  test('a file of another architecture fails naming the keys', () => {
    const file = path.join(dir, 'lenet.safetensors');
    saveWeights(file, createModel('lenet300', { inputShape: [1, 28, 28] }));
    expect(() => loadWeights(file, createModel('fc', { inputShape: [1, 28, 28] }))).toThrow(/missing keys: 1.weight/);
  });
});
