import { registerBackend, type Backend } from '../../lib/backend';
import { ReferenceBackend } from '../../lib/backend/reference';
import { createModel } from '../../lib/models';
import { BatchNorm2d, Conv2d, Sequential } from '../../lib/nn';
import { train } from '../../lib/train';
import { toyTask } from '../train/toy-data';

/**
 * A stand-in "cuda" backend: the reference kernels behind a device boundary (no zero-copy
 * host wrapping, reads return copies), so that moving models between devices is exercised
 * without a GPU.
 */
class FakeDevice extends ReferenceBackend {
  override readonly name = 'cuda' as const;
  override readonly device = 'cuda' as const;
  override read(s: unknown) {
    return super.read(s).slice();
  }
}
const fake = new FakeDevice() as Backend;
(fake as { wrapHost?: unknown }).wrapHost = undefined;
registerBackend('cuda', () => fake);

describe('moving models between devices', () => {
  test('a module without an arena moves parameter by parameter, buffers too', () => {
    const m = new Sequential(new Conv2d(1, 2, 3, { seed: 1 }), new BatchNorm2d(2));
    const w = Array.from(m.parameters()[0].data());
    m.to('cuda');
    expect(m.parameters().every((p) => p.device === 'cuda' && p.requiresGrad && p.isLeaf)).toBe(true);
    expect(m.buffers().every((b) => b.device === 'cuda')).toBe(true);
    expect(Array.from(m.parameters()[0].data())).toEqual(w);
    expect(m.device()).toBe('cuda');
    m.to('cpu');
    expect(m.device()).toBe('cpu');
    expect(Array.from(m.parameters()[0].data())).toEqual(w);
  });

  test('a zoo model trains on the device like on the host, masks included', async () => {
    const data = toyTask(32, [1, 6, 6], 3, 16);
    const make = () => {
      const m = createModel('conv', { inputShape: [1, 6, 6], numClasses: 3, seed: 5 });
      for (let i = 0; i < m.arena.prunableLength; i++) m.arena.masks[i] = i % 4 === 0 ? 0 : 1;
      m.arena.activateMasks();
      return m;
    };
    const host = make();
    const dev = make().to('cuda');
    expect(dev.arena.device).toBe('cuda');
    expect(dev.parameters().every((p) => p.device === 'cuda' && (!p.prunable || p.mask!.device === 'cuda'))).toBe(true);
    const opts = { train: data, test: data, epochs: 2, optimizer: { kind: 'sgd' as const, lr: 0.05, momentum: 0.9, weightDecay: 1e-3 } };
    const rh = await train(host, opts);
    const rd = await train(dev, opts);
    expect(rd.final!.testLoss!).toBeCloseTo(rh.final!.testLoss!, 4);
    // the device parameters are the arena's values, and pruned weights are still 0 there
    for (const e of dev.arena.entries) {
      const d = e.param.data();
      const h = dev.arena.values.subarray(e.offset, e.offset + e.length);
      expect(Array.from(d)).toEqual(Array.from(h));
    }
    for (let i = 0; i < dev.arena.prunableLength; i += 4) expect(dev.arena.values[i] === 0).toBe(true);
    for (let i = 0; i < host.arena.values.length; i++) expect(Math.abs(dev.arena.values[i] - host.arena.values[i])).toBeLessThan(1e-4);
    // loading a state dict into the device model updates the host copy as well
    dev.loadStateDict(host.stateDict());
    expect(Array.from(dev.arena.values)).toEqual(Array.from(host.arena.values));
    dev.to('cpu');
    expect(dev.arena.device).toBe('cpu');
    expect(dev.parameters()[0].data().buffer).toBe(dev.arena.values.buffer);
    expect(Array.from(dev.arena.values)).toEqual(Array.from(host.arena.values));
  });
});
