import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createModel } from '../../lib/models';
import { loadCheckpoint, saveCheckpoint, type CheckpointMeta } from '../../lib/train';
import { saveSafetensors } from '../../lib/io/safetensors';

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pai-ck-'))));
afterAll(() => fs.rmSync(dir, { recursive: true }));

const meta = (): CheckpointMeta => ({
  format: 'prune-at-init/checkpoint',
  version: 1,
  epoch: 3,
  globalStep: 30,
  optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 },
  optimizerStep: 30,
  schedule: { schedule: { kind: 'constant' } },
  masked: false,
  history: [],
});

describe('checkpoints', () => {
  test('round trip of weights, optimizer buffers and metadata; a JSON copy beside it', () => {
    const m = createModel('fc', { inputShape: [1, 3, 3], numClasses: 2, seed: 1 });
    const file = path.join(dir, 'ck.safetensors');
    const momentum = Float32Array.from({ length: m.arena.values.length }, (_, i) => i / 7);
    saveCheckpoint(file, m, meta(), { step: 30, buffers: { momentum } });
    const other = createModel('fc', { inputShape: [1, 3, 3], numClasses: 2, seed: 2 });
    const ck = loadCheckpoint(file, other);
    expect(Array.from(other.arena.values)).toEqual(Array.from(m.arena.values));
    expect(Array.from(ck.optimizerState.buffers.momentum)).toEqual(Array.from(momentum));
    expect(ck.meta.epoch).toBe(3);
    expect(ck.optimizerState.step).toBe(30);
    expect(JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')).globalStep).toBe(30);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('clear errors: missing file, not a checkpoint, another model', () => {
    const m = createModel('fc', { inputShape: [1, 3, 3], numClasses: 2 });
    expect(() => loadCheckpoint(path.join(dir, 'nope.safetensors'), m)).toThrow(/does not exist/);
    const plain = path.join(dir, 'plain.safetensors');
    saveSafetensors(plain, { w: { dtype: 'F32', shape: [1], data: [1] } });
    expect(() => loadCheckpoint(plain, m)).toThrow(/not a prune-at-init checkpoint/);
    const file = path.join(dir, 'fc.safetensors');
    saveCheckpoint(file, m, meta(), { step: 0, buffers: {} });
    expect(() => loadCheckpoint(file, createModel('conv', { inputShape: [1, 3, 3], numClasses: 2 }))).toThrow(/does not fit this model: .*missing keys/);
  });
});
