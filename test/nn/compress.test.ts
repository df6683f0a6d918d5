import { BatchNorm2d, compressModel, Conv2d, decompressModel, Flatten, layerExecutions, Linear, ParameterArena, ReLU, Sequential } from '../../lib/nn';
import { Tensor } from '../../lib/tensor';
import { crossEntropy } from '../../lib/ops';
import { Adam, SGD, type Optimizer } from '../../lib/train/optimizer';
import { train } from '../../lib/train/loop';
import { createModel } from '../../lib/models';

const INPUT = [3, 7, 6];

/** conv (with an empty output row), grouped strided conv, BN, a linear with an empty column, a dense-ish linear. */
function net(): Sequential {
  const m = new Sequential(
    new Conv2d(3, 6, 3, { padding: 1, seed: 11, bias: false }), // a bias before BN has only rounding noise as gradient, which Adam amplifies
    new BatchNorm2d(6),
    new ReLU(),
    new Conv2d(6, 4, 3, { stride: 2, groups: 2, seed: 12 }),
    new ReLU(),
    new Flatten(),
    new Linear(4 * 3 * 2, 9, { seed: 13 }),
    new ReLU(),
    new Linear(9, 5, { seed: 14 }),
  );
  const arena = ParameterArena.attach(m);
  let s = 12345;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
  for (const e of arena.prunableParameters()) {
    const density = e.key === '8.weight' ? 0.9 : 0.3;
    for (let i = 0; i < e.length; i++) arena.masks[e.offset + i] = rnd() < density ? 1 : 0;
  }
  // '0.weight' row 2 empty (an output channel with no survivors); '6.weight' column 5 empty.
  arena.maskOf('0.weight').fill(0, 2 * 27, 3 * 27);
  const m6 = arena.maskOf('6.weight');
  for (let r = 0; r < 9; r++) m6[r * 24 + 5] = 0;
  arena.activateMasks();
  return m;
}

function batch(seed: number): { x: Tensor; y: Int32Array } {
  const n = 4;
  const x = Float32Array.from({ length: n * 42 * 3 }, (_, i) => Math.sin(1.3 * i + seed));
  return { x: Tensor.fromStorage(x, [n, ...INPUT]), y: Int32Array.from({ length: n }, (_, i) => (i * 3 + seed) % 5) };
}

function steps(m: Sequential, opt: Optimizer, count: number): void {
  for (let t = 0; t < count; t++) {
    const { x, y } = batch(t);
    opt.zeroGrad();
    crossEntropy(m.forward(x), y).backward();
    opt.step();
  }
}

function expectClose(a: Float32Array, b: Float32Array, tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) { const e = Math.abs(a[i] - b[i]) / (1e-3 + Math.abs(b[i])); if (e > worst) { worst = e; at = i; } }
  if (worst >= tol) console.log('worst', at, a[at], b[at]);
  expect(worst).toBeLessThan(tol);
}

describe('compressModel', () => {
  test.each([
    ['sgd', (m: Sequential) => new SGD(m, { lr: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: true })],
    ['adamw', (m: Sequential) => new Adam(m, { lr: 0.01, kind: 'adamw', weightDecay: 0.1 })],
  ])('training compressed matches training dense-masked (%s), with nnz optimizer state', (_, make) => {
    const dense = net();
    const sparse = net();
    const layers = compressModel(sparse, { sparse: 'compressed', inputShape: INPUT });
    expect(layers.map((l) => [l.key, l.kind, l.mode])).toEqual([
      ['0.weight', 'conv2d', 'compressed'],
      ['3.weight', 'conv2d', 'compressed'],
      ['6.weight', 'linear', 'compressed'],
      ['8.weight', 'linear', 'compressed'],
    ]);
    const arena = sparse.arena!;
    const nnz = arena.compressed.reduce((s, c) => s + c.compressed.weight.pattern.nnz, 0);
    expect(nnz).toBe(arena.masks.reduce((s, v) => s + v, 0));
    expect(arena.trainableLength).toBe(nnz + arena.values.length - arena.prunableLength);
    const a = make(dense);
    const b = make(sparse);
    steps(dense, a, 4);
    steps(sparse, b, 4);
    // The dense views of the compressed weights follow every step; pruned entries stay exactly 0.
    expectClose(arena.values, dense.arena!.values, 2e-5);
    for (let i = 0; i < arena.prunableLength; i++) if (arena.masks[i] === 0) expect(Object.is(arena.values[i], 0)).toBe(true);
    // Checkpoint state is in arena layout either way, so it moves between the two modes.
    const sa = a.state(), sb = b.state();
    for (const k of Object.keys(sa.buffers)) expectClose(sb.buffers[k], sa.buffers[k], 2e-4);
    const { x } = batch(9);
    dense.eval();
    sparse.eval();
    expectClose(sparse.forward(x).data() as Float32Array, dense.forward(x).data() as Float32Array, 1e-4);
    decompressModel(sparse);
    expect(arena.compressed).toEqual([]);
    expectClose(sparse.forward(x).data() as Float32Array, dense.forward(x).data() as Float32Array, 1e-4);
  });

  test('host steps leave the dense views of compressed weights to their first read, through any reader', () => {
    const fresh = (): { m: Sequential; opt: SGD } => {
      const m = net();
      compressModel(m, { sparse: 'compressed', inputShape: INPUT });
      return { m, opt: new SGD(m, { lr: 0.05, momentum: 0.9 }) };
    };
    // The survivors scattered into a copy of the arena: what every reader must see.
    const expected = (m: Sequential): Float32Array => {
      const arena = m.arena!;
      const out = new Float32Array(arena.prunableLength);
      for (const c of arena.compressed) {
        const p = c.compressed.weight.pattern;
        const v = c.compressed.values.data() as Float32Array;
        for (let r = 0; r < p.rows; r++) for (let j = p.rowPtr[r]; j < p.rowPtr[r + 1]; j++) out[c.denseOffset + r * p.cols + p.colIdx[j]] = v[j];
      }
      return out;
    };
    const weight = (m: Sequential, key: string) => m.arena!.entries.find((e) => e.key === key)!;
    const readers: [string, (m: Sequential, key: string) => Float32Array][] = [
      ['data()', (m, key) => weight(m, key).param.data() as Float32Array],
      ['stateDict()', (m, key) => m.stateDict().get(key)!.data() as Float32Array],
      ['an op', (m, key) => weight(m, key).param.mul(1).data() as Float32Array],
      ['detach()', (m, key) => weight(m, key).param.detach().data() as Float32Array],
      ['arena.values', (m, key) => { const e = weight(m, key); return m.arena!.values.subarray(e.offset, e.offset + e.length); }],
    ];
    for (const [name, read] of readers) {
      const { m, opt } = fresh();
      const held = m.arena!.values; // a raw reference: steps must not write it
      const before = held.slice(0, m.arena!.prunableLength);
      steps(m, opt, 2);
      expect(held.subarray(0, before.length)).toEqual(before);
      const want = expected(m);
      for (const key of ['0.weight', '6.weight']) {
        const e = weight(m, key);
        const got = Float32Array.from(read(m, key));
        expect([name, key, got]).toEqual([name, key, want.subarray(e.offset, e.offset + e.length)]);
        expect([name, key, got]).not.toEqual([name, key, before.subarray(e.offset, e.offset + e.length)]);
      }
    }
  });

  test('gradients of compressed layers equal the dense-masked gradients at the survivors', () => {
    const dense = net();
    const sparse = net();
    compressModel(sparse, { sparse: 'compressed', inputShape: INPUT });
    const { x, y } = batch(3);
    crossEntropy(dense.forward(x), y).backward();
    crossEntropy(sparse.forward(x), y).backward();
    const gd = dense.arena!.gatherGrads();
    const arena = sparse.arena!;
    arena.gatherGrads();
    const back = arena.toArenaLayout(Float32Array.from({ length: arena.trainableLength }, () => 0));
    expect(back.length).toBe(arena.values.length);
    for (const m of arena.compressed) {
      const g = m.compressed.values.grad!.data() as Float32Array;
      const p = m.compressed.weight.pattern;
      for (let r = 0; r < p.rows; r++)
        for (let j = p.rowPtr[r]; j < p.rowPtr[r + 1]; j++) {
          const want = gd[m.denseOffset + r * p.cols + p.colIdx[j]];
          expect(Math.abs(g[j] - want)).toBeLessThan(1e-5 + 1e-4 * Math.abs(want));
        }
    }
  });

  test("'auto' compresses the layers below the crossover; 'dense' and unpruned models compress nothing", () => {
    const m = net();
    // Without calibration the default crossover (10%) decides: 30% and 90% stay dense.
    let layers = compressModel(m, { sparse: 'auto', inputShape: INPUT, calibrate: false });
    expect(layers.every((l) => l.mode === 'dense' && l.crossover === 0.1)).toBe(true);
    expect(m.arena!.compressed).toEqual([]);
    const arena = m.arena!;
    const m0 = arena.maskOf('0.weight');
    m0.fill(0);
    m0[5] = 1; // one survivor in the first conv
    arena.activateMasks();
    layers = compressModel(m, { sparse: 'auto', inputShape: INPUT, calibrate: false });
    expect(layers.map((l) => l.mode)).toEqual(['compressed', 'dense', 'dense', 'dense']);
    expect(layers[0].density).toBeCloseTo(1 / 162, 12);
    decompressModel(m);
    expect(compressModel(m, { sparse: 'dense' }).every((l) => l.mode === 'dense')).toBe(true);
    const unpruned = new Sequential(new Linear(4, 3, { seed: 1 }));
    ParameterArena.attach(unpruned);
    expect(compressModel(unpruned, { sparse: 'compressed', inputShape: [4] }).map((l) => l.mode)).toEqual(['dense']);
  });

  test('a fully empty layer trains compressed: zero output, no state, no update', () => {
    const m = net();
    m.arena!.maskOf('3.weight').fill(0);
    m.arena!.activateMasks();
    compressModel(m, { sparse: 'compressed', inputShape: INPUT });
    const empty = m.arena!.compressed.find((c) => c.key === '3.weight')!;
    expect(empty.compressed.weight.pattern.nnz).toBe(0);
    steps(m, new SGD(m, { lr: 0.1, momentum: 0.9 }), 2);
    expect(m.arena!.maskOf('3.weight').every((v) => v === 0)).toBe(true);
    expect(Array.from(m.arena!.values.subarray(empty.denseOffset, empty.denseOffset + 72)).every((v) => v === 0)).toBe(true);
  });

  test('a loaded state dict reaches the compressed layers; bad uses throw and name the fix', () => {
    const m = net();
    const other = net();
    const opt = new SGD(m, { lr: 0.1 });
    compressModel(m, { sparse: 'compressed', inputShape: INPUT });
    expect(() => steps(m, opt, 1)).toThrow(/compressed or decompressed after this optimizer was built.*Fix/);
    expect(() => compressModel(m, { sparse: 'compressed', inputShape: INPUT })).toThrow(/already compressed/);
    expect(() => m.arena!.activateMasks()).toThrow(/decompressModel/);
    expect(() => compressModel(m, { sparse: 'bogus' as never })).toThrow(/sparse must be one of/);
    for (const e of other.arena!.entries) e.param.data().forEach((_, i, a) => (a[i] = Math.cos(i + e.offset)));
    other.arena!.applyMasks();
    m.loadStateDict(other.stateDict());
    const { x } = batch(2);
    m.eval();
    other.eval();
    expectClose(m.forward(x).data() as Float32Array, other.forward(x).data() as Float32Array, 1e-4);
    const plain = new Sequential(new Conv2d(3, 2, 3, { seed: 1 }));
    ParameterArena.attach(plain).activateMasks();
    expect(() => compressModel(plain, { sparse: 'compressed' })).toThrow(/input shape is unknown.*inputShape/);
  });

  test('train() with sparse compresses while training, reports it and decompresses at the end', async () => {
    const model = createModel('conv', { inputShape: [1, 8, 8], numClasses: 3, seed: 2 });
    const arena = model.arena!;
    for (let i = 0; i < arena.prunableLength; i++) arena.masks[i] = (i * 7919) % 100 < 4 ? 1 : 0;
    arena.activateMasks();
    const x = Float32Array.from({ length: 6 * 64 }, (_, i) => Math.sin(i));
    const source = { numBatches: 1, async *epoch() { yield { x, y: Int32Array.of(0, 1, 2, 0, 1, 2), batchShape: [6, 1, 8, 8] }; } };
    const r = await train(model, { train: source, epochs: 2, optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 }, sparse: 'compressed' });
    expect(r.execution.length).toBeGreaterThan(0);
    expect(r.execution.every((l) => l.mode === 'compressed')).toBe(true);
    expect(arena.compressed).toEqual([]);
    expect(layerExecutions(model).every((l) => l.mode === 'dense')).toBe(true);
    for (let i = 0; i < arena.prunableLength; i++) if (arena.masks[i] === 0) expect(arena.values[i]).toBe(0);
  });
});
