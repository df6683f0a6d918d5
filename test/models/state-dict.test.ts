import { createModel } from '../../lib/models';

// Keys are those of the reference PyTorch models (Synaptic-Flow Models/lottery_vgg.py,
// lottery_resnet.py, mlp.py) without their *_mask buffers.

describe('state-dict keys follow the reference PyTorch module paths', () => {
  test('vgg11-bn', () => {
    const keys = [...createModel('vgg11-bn', { initialize: false }).stateDict().keys()];
    expect(keys.slice(0, 8)).toEqual([
      'layers.0.conv.weight',
      'layers.0.conv.bias',
      'layers.0.bn.weight',
      'layers.0.bn.bias',
      'layers.0.bn.running_mean',
      'layers.0.bn.running_var',
      'layers.0.bn.num_batches_tracked',
      'layers.2.conv.weight',
    ]);
    expect(keys.slice(-2)).toEqual(['fc.weight', 'fc.bias']);
    // 8 conv blocks x (2 conv + 5 bn) + fc
    expect(keys.length).toBe(8 * 7 + 2);
    expect(keys).toContain('layers.11.conv.weight');
    expect(keys.filter((k) => k.endsWith('conv.weight')).length).toBe(8);
  });

  test('vgg16 without batch norm', () => {
    const keys = [...createModel('vgg16', { initialize: false }).stateDict().keys()];
    expect(keys.slice(0, 4)).toEqual(['layers.0.conv.weight', 'layers.0.conv.bias', 'layers.1.conv.weight', 'layers.1.conv.bias']);
    expect(keys.filter((k) => k.includes('bn'))).toEqual([]);
  });

  test('resnet20', () => {
    const sd = createModel('resnet20', { initialize: false }).stateDict();
    const keys = [...sd.keys()];
    expect(keys.slice(0, 6)).toEqual(['conv.weight', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
    expect(keys).toContain('blocks.0.conv1.weight');
    expect(keys).toContain('blocks.0.shortcut.weight');
    expect(keys).toContain('blocks.3.shortcut.0.weight');
    expect(keys).toContain('blocks.3.shortcut.1.running_var');
    expect(keys).toContain('blocks.8.bn2.bias');
    expect(keys.slice(-2)).toEqual(['fc.weight', 'fc.bias']);
    expect(sd.get('blocks.0.shortcut.weight')!.shape).toEqual([16, 1, 1]);
    expect(sd.get('blocks.3.conv1.weight')!.shape).toEqual([32, 16, 3, 3]);
    expect(sd.get('blocks.3.shortcut.0.weight')!.shape).toEqual([32, 16, 1, 1]);
    expect(sd.get('fc.weight')!.shape).toEqual([10, 64]);
    expect(keys.some((k) => k.startsWith('blocks.0.conv1.bias'))).toBe(false);
  });

  test('fc and conv are Sequentials indexed like PyTorch', () => {
    expect([...createModel('fc').stateDict().keys()]).toEqual(
      [1, 3, 5, 7, 9, 11].flatMap((i) => [`${i}.weight`, `${i}.bias`]),
    );
    expect([...createModel('conv').stateDict().keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '5.weight', '5.bias']);
  });

  test('lenets', () => {
    expect([...createModel('lenet300', { inputShape: [1, 28, 28] }).stateDict().keys()]).toEqual(
      ['fc1', 'fc2', 'fc3'].flatMap((n) => [`${n}.weight`, `${n}.bias`]),
    );
    const sd = createModel('lenet5', { inputShape: [1, 28, 28] }).stateDict();
    expect([...sd.keys()]).toEqual(['conv1', 'conv2', 'fc1', 'fc2'].flatMap((n) => [`${n}.weight`, `${n}.bias`]));
    expect(sd.get('fc1.weight')!.shape).toEqual([500, 800]);
  });
});
