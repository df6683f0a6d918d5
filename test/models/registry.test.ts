import { createModel, modelNames } from '../../lib/models';

// The table (input 3x32x32, 10 classes unless stated): total and prunable counts.
const COUNTS: [string, { inputShape?: number[]; numClasses?: number }, number, number | null][] = [
  ['vgg11', {}, 9_225_610, 9_222_848],
  ['vgg11-bn', {}, 9_231_114, 9_222_848],
  ['vgg16', {}, 14_719_818, 14_715_584],
  ['vgg16-bn', {}, 14_728_266, 14_715_584],
  ['vgg19-bn', {}, 20_040_522, 20_024_000],
  ['vgg16-bn', { numClasses: 100 }, 14_774_436, 14_761_664],
  ['resnet20', {}, 272_714, 270_896],
  ['resnet32', {}, 467_370, 464_432],
  ['resnet56', {}, 856_682, 851_504],
  ['resnet110', {}, 1_732_634, 1_722_416],
  ['wide-resnet20', {}, 1_085_066, 1_081_440],
  ['wide-resnet32', {}, 1_861_450, 1_855_584],
  ['conv', {}, 337_834, 337_760],
  ['fc', {}, 348_710, 348_200],
  ['fc', { inputShape: [1, 28, 28] }, 119_910, null],
  ['conv', { inputShape: [1, 28, 28] }, 260_458, null],
  ['lenet300', { inputShape: [1, 28, 28] }, 266_610, null],
  ['lenet5', { inputShape: [1, 28, 28] }, 431_080, null],
];

describe('model zoo parameter counts', () => {
  test.each(COUNTS)('%s %j: %d parameters, %s prunable', (name, opts, total, prunable) => {
    const m = createModel(name, { ...opts, initialize: false });
    expect(m.numParameters()).toBe(total);
    if (prunable !== null) expect(m.numPrunable()).toBe(prunable);
    expect(m.arena.values.length).toBe(total);
    expect(m.arena.prunableLength).toBe(m.numPrunable());
  });

  test('prunable means conv and linear weights only', () => {
    const m = createModel('resnet20');
    for (const [key, p] of m.namedParameters()) {
      const isConvOrLinearWeight = key.endsWith('.weight') && p.ndim >= 2 && !/shortcut\.weight$/.test(key);
      expect([key, p.prunable]).toEqual([key, isConvOrLinearWeight]);
    }
  });
});

describe('registry', () => {
  test('an unknown name throws and lists the known ones', () => {
    expect(() => createModel('vgg17')).toThrow(/unknown model 'vgg17'. Known models: .*vgg16-bn.*resnet20.*lenet5/);
  });

  test('lists every name of the issue', () => {
    const names = modelNames();
    for (const n of ['vgg11', 'vgg11-bn', 'vgg13', 'vgg13-bn', 'vgg16', 'vgg16-bn', 'vgg19', 'vgg19-bn', 'resnet20', 'resnet32', 'resnet44', 'resnet56', 'resnet110', 'wide-resnet20', 'wide-resnet32', 'fc', 'conv', 'lenet300', 'lenet5']) {
      expect(names).toContain(n);
    }
  });

  test('rejects bad shapes, class counts and seeds', () => {
    expect(() => createModel('fc', { inputShape: [784] })).toThrow(/inputShape/);
    expect(() => createModel('fc', { numClasses: 0 })).toThrow(/numClasses/);
    expect(() => createModel('fc', { seed: -1 })).toThrow(/seed/);
    expect(() => createModel('vgg11', { inputShape: [1, 28, 28] })).toThrow(/too small/);
  });

  test('the spec records how the model was built', () => {
    const m = createModel('lenet5', { inputShape: [1, 28, 28], seed: 7 });
    expect(m.spec).toEqual({ name: 'lenet5', inputShape: [1, 28, 28], numClasses: 10, seed: 7 });
  });
});
