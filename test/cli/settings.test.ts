import { InvalidArgumentError } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../../lib/cli/errors';
import { overrideLibraryModule } from '../../lib/cli/library';
import { integerAtLeast, integerList, nameList, numberIn, shape } from '../../lib/cli/option-parsers';
import { checkModel, checkPruners, dataChoiceFrom, prepareOutDir, pruneOptionsFrom, trainOptionsFrom } from '../../lib/cli/settings';
import { closest, editDistance } from '../../lib/cli/suggest';
import { tempDir } from './memory-io';

describe('option parsers', () => {
  test('integers, numbers, lists and shapes', () => {
    expect(integerAtLeast(0)('3')).toBe(3);
    expect(() => integerAtLeast(1)('0')).toThrow(InvalidArgumentError);
    expect(() => integerAtLeast(0)('1.5')).toThrow(/integer/);
    expect(() => integerAtLeast(0)('')).toThrow(InvalidArgumentError);
    expect(numberIn(0, 1)('0.5')).toBe(0.5);
    expect(() => numberIn(0, 1, { openMin: true })('0')).toThrow(/> 0 and <= 1/);
    expect(() => numberIn(0, null)('x')).toThrow(/a number/);
    expect(integerList(0)('0,1,2')).toEqual([0, 1, 2]);
    expect(integerList(0)('2:4')).toEqual([2, 3, 4]);
    expect(() => integerList(0)('1,-1')).toThrow(InvalidArgumentError);
    expect(() => integerList(0)('4:2')).toThrow(InvalidArgumentError);
    expect(nameList('synflow, snip,synflow')).toEqual(['synflow', 'snip']);
    expect(() => nameList('a,,b')).toThrow(InvalidArgumentError);
    expect(shape('3x32x32')).toEqual([3, 32, 32]);
    expect(shape('1,28,28')).toEqual([1, 28, 28]);
    expect(() => shape('3x0x2')).toThrow(InvalidArgumentError);
  });

  test('suggestions for typos only', () => {
    expect(editDistance('snp', 'snip')).toBe(1);
    expect(closest('snp', ['snip', 'synflow'])).toBe('snip');
    expect(closest('vgg16bn', ['vgg16-bn', 'resnet20'])).toBe('vgg16-bn');
    expect(closest('xyz', ['snip', 'synflow'])).toBeNull();
  });
});

describe('flags to library options', () => {
  test('pruning options carry only what was given', () => {
    expect(pruneOptionsFrom({})).toEqual({});
    expect(
      pruneOptionsFrom({ schedule: 'linear', iterations: 10, scope: 'local', pruneBias: true, denseClassifier: true, scoreMode: 'train', samples: 100, pruneBatchSize: 64, forceBatches: 2 }),
    ).toEqual({ schedule: 'linear', iterations: 10, scope: 'local', prunable: { bias: true, classifier: false }, scoreMode: 'train', samples: 100, batchSize: 64, extra: { forceBatches: 2 } });
    expect(pruneOptionsFrom({ pruneShortcut: false })).toEqual({ prunable: { shortcut: false } });
  });

  test('training options, with multistep implied by milestones', () => {
    expect(trainOptionsFrom({})).toEqual({});
    expect(trainOptionsFrom({ optimizer: 'sgd', lr: 0.1, momentum: 0.9, milestones: [80, 120], epochs: 160, batchSize: 128, augment: false, warmup: 5 })).toEqual({
      optimizer: 'sgd',
      lr: 0.1,
      momentum: 0.9,
      lrSchedule: 'multistep',
      milestones: [80, 120],
      epochs: 160,
      batchSize: 128,
      augment: false,
      warmupEpochs: 5,
    });
    expect(() => trainOptionsFrom({ lrSchedule: 'cosine', milestones: [1] })).toThrow(/multistep/);
    expect(() => trainOptionsFrom({ optimizer: 'adam', momentum: 0.9 })).toThrow(/sgd/);
  });
});

describe('names, datasets and output directories', () => {
  afterEach(() => {
    overrideLibraryModule('models', null);
    overrideLibraryModule('prune', null);
  });

  test('pruners: the registry when loaded, the documented list otherwise', () => {
    overrideLibraryModule('prune', { prunerNames: () => ['synflow', 'snip'] });
    expect(checkPruners(['snip'])).toEqual(['snip']);
    expect(() => checkPruners(['grasp'])).toThrow(/unknown pruner 'grasp'/);
    overrideLibraryModule('prune', {});
    expect(checkPruners(['grasp', 'iter-snip'])).toEqual(['grasp', 'iter-snip']);
  });

  test('models are checked against the registry, with a suggestion', () => {
    overrideLibraryModule('models', { modelNames: () => ['lenet5', 'vgg16-bn'] });
    expect(checkModel('lenet5', 'prune')).toBe('lenet5');
    try {
      checkModel('vgg16bn', 'prune');
      throw new Error('no throw');
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).message).toBe("unknown model 'vgg16bn'");
      expect((e as UserError).hint).toMatch(/did you mean 'vgg16-bn'/);
    }
    expect(() => checkModel(undefined, 'prune')).toThrow(/needs --model/);
  });

  test('datasets: names, directories and synthetic shapes', () => {
    const cwd = tempDir();
    expect(dataChoiceFrom({ dataset: 'mnist' }, cwd)).toEqual({ name: 'mnist' });
    expect(dataChoiceFrom({ dataset: 'synthetic', inputShape: [1, 8, 8], classes: 3 }, cwd)).toEqual({ name: 'synthetic', inputShape: [1, 8, 8], numClasses: 3 });
    expect(() => dataChoiceFrom({ dataset: 'mnsit' }, cwd)).toThrow(/unknown dataset 'mnsit'/);
    expect(() => dataChoiceFrom({ dataset: 'mnist', classes: 3 }, cwd)).toThrow(/--classes applies to --dataset synthetic/);
    expect(() => dataChoiceFrom({ dataset: 'mnist', dataDir: cwd }, cwd)).toThrow(/--data-dir does not apply/);
    expect(() => dataChoiceFrom({ dataset: 'cifar10' }, cwd)).toThrow(/needs --data-dir/);
    expect(() => dataChoiceFrom({ dataset: 'cifar10', dataDir: 'nope' }, cwd)).toThrow(/dataset directory not found: .*nope/);
    fs.mkdirSync(path.join(cwd, 'c10'));
    expect(dataChoiceFrom({ dataset: 'cifar10', dataDir: 'c10' }, cwd)).toEqual({ name: 'cifar10', dir: path.join(cwd, 'c10') });
    expect(dataChoiceFrom({ dataset: 'cifar100', download: true }, cwd)).toEqual({ name: 'cifar100', download: true });
  });

  test('output directories are created; a file in the way is a user error', () => {
    const cwd = tempDir();
    expect(prepareOutDir('a/b', cwd)).toBe(path.join(cwd, 'a', 'b'));
    expect(fs.statSync(path.join(cwd, 'a', 'b')).isDirectory()).toBe(true);
    fs.writeFileSync(path.join(cwd, 'f'), '');
    expect(() => prepareOutDir('f', cwd)).toThrow(/is a file/);
  });
});
