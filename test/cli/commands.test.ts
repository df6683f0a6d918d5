import * as fs from 'fs';
import * as path from 'path';
import { overrideLibraryModule } from '../../lib/cli/library';
import { main } from '../../lib/cli/main';
import { byClass, parseXml } from '../experiments/report/svg-walker';
import { fakeExperiments } from './fake-experiments';
import { memoryIo, tempDir } from './memory-io';

let fake: ReturnType<typeof fakeExperiments>;
beforeEach(() => {
  fake = fakeExperiments();
  overrideLibraryModule('experiments', fake.impl);
  overrideLibraryModule('models', { modelNames: () => ['lenet5', 'conv', 'resnet20'] });
});
afterEach(() => {
  overrideLibraryModule('experiments', null);
  overrideLibraryModule('models', null);
});

async function pai(argv: string[], cwd = tempDir()) {
  const io = memoryIo({ cwd });
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err(), cwd };
}

describe('pai prune', () => {
  test('passes exactly the given settings and writes the run directory', async () => {
    const r = await pai(['prune', '-m', 'lenet5', '-p', 'synflow', '--sparsity', '0.99', '--scope', 'local', '--iterations', '10', '--prune-bias', '--dense-classifier', '-s', '3', '-o', 'run', '--json']);
    expect(r.code).toBe(0);
    expect(fake.calls).toHaveLength(1);
    const { fn, config, hooks } = fake.calls[0];
    expect(fn).toBe('runPrune');
    expect(config).toEqual({
      model: 'lenet5',
      data: { name: 'mnist' },
      pruner: 'synflow',
      target: { density: expect.closeTo(0.01, 12), sparsity: 0.99, compression: expect.closeTo(2, 10) },
      seed: 3,
      prune: { scope: 'local', iterations: 10, prunable: { bias: true, classifier: false } },
      outDir: path.join(r.cwd, 'run'),
    });
    expect(hooks.signal).toBeDefined();
    expect(typeof hooks.onProgress).toBe('function');
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ ok: true, command: 'prune', outDir: path.join(r.cwd, 'run') });
    expect(doc.files.map((f: string) => path.basename(f))).toEqual(['results.json', 'report.svg', 'masks.safetensors', 'weights.safetensors']);
    expect(doc.results.kind).toBe('prune');
    const saved = JSON.parse(fs.readFileSync(path.join(r.cwd, 'run', 'results.json'), 'utf8'));
    expect(saved).toEqual(doc.results);
    const svg = parseXml(fs.readFileSync(path.join(r.cwd, 'run', 'report.svg'), 'utf8'));
    expect(byClass(svg, 'figure').map((f) => f.attrs['data-figure'])).toEqual(['layer-density']);
    // Human text and progress went to stderr.
    expect(r.err).toMatch(/synflow on lenet5: kept [\d,]+ of [\d,]+ prunable weights/);
    expect(r.err).toMatch(/runPrune: 1\/1 runs/);
  });

  test('the default output directory is named after the run; human table on stdout', async () => {
    const r = await pai(['prune', '-m', 'lenet5', '-p', 'snip', '-c', '1.5']);
    expect(r.code).toBe(0);
    expect(fake.calls[0].config.outDir).toBe(path.join(r.cwd, 'runs', 'prune-lenet5-snip-c1.5'));
    expect(r.out).toMatch(/^layer +shape +weights +kept +density$/m);
    expect(r.out).toMatch(/^conv1\.weight +\[20, 1, 5, 5\]/m);
  });
});

describe('pai train', () => {
  test('from a prune directory: model and data come from it', async () => {
    const cwd = tempDir();
    expect((await pai(['prune', '-m', 'conv', '-p', 'synflow', '-c', '2', '-d', 'synthetic', '--input-shape', '1x8x8', '--classes', '3', '-o', 'p', '-q'], cwd)).code).toBe(0);
    const r = await pai(['train', '--from', 'p', '-e', '1', '--optimizer', 'adam', '--lr', '0.001', '-b', '32', '-o', 't', '--json'], cwd);
    expect(r.code).toBe(0);
    const { config } = fake.calls[1];
    // The fake's prune results say lenet5 on mnist; the CLI reads them from p/results.json.
    expect(config).toEqual({ seed: 0, model: 'lenet5', data: { name: 'mnist' }, from: path.join(cwd, 'p'), train: { epochs: 1, optimizer: 'adam', lr: 0.001, batchSize: 32 }, outDir: path.join(cwd, 't') });
    expect(JSON.parse(r.out).results.kind).toBe('train');
    expect(fs.existsSync(path.join(cwd, 't', 'report.svg'))).toBe(true);
  });

  test('--from conflicts with pruning flags and another model', async () => {
    const cwd = tempDir();
    await pai(['prune', '-m', 'lenet5', '-p', 'synflow', '-c', '2', '-o', 'p', '-q'], cwd);
    const a = await pai(['train', '--from', 'p', '-m', 'conv'], cwd);
    expect(a.code).toBe(1);
    expect(a.err).toMatch(/--model conv conflicts with --from p \(pruned lenet5\)/);
    const b = await pai(['train', '--from', 'p', '-c', '1'], cwd);
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/--compression conflicts with --from p/);
  });

  test('pruning in one go, checkpoints and resume', async () => {
    const cwd = tempDir();
    const r = await pai(['train', '-m', 'lenet5', '-p', 'snip', '-c', '2', '-e', '2', '--milestones', '1', '--checkpoint-every', '1', '-o', 'run'], cwd);
    expect(r.code).toBe(0);
    expect(fake.calls[0].config).toMatchObject({
      model: 'lenet5',
      prune: { pruner: 'snip', target: { compression: 2 }, options: {} },
      train: { epochs: 2, lrSchedule: 'multistep', milestones: [1] },
      checkpointEvery: 1,
    });
    expect(r.out).toMatch(/test top-1 \d+\.\d\d%, best/);
    fs.mkdirSync(path.join(cwd, 'run', 'checkpoints'));
    const again = await pai(['train', '-m', 'lenet5', '-p', 'snip', '-c', '2', '-e', '4', '-o', 'run', '--resume', '-q'], cwd);
    expect(again.code).toBe(0);
    expect(fake.calls[1].config.resume).toBe(true);
    expect((await pai(['train', '-m', 'lenet5', '-o', 'run', '--resume', '--no-checkpoints'], cwd)).err).toMatch(/conflicts with --no-checkpoints/);
  });

  test('dense training when no pruner is given', async () => {
    const r = await pai(['train', '-m', 'resnet20', '-d', 'synthetic', '-e', '1', '--no-checkpoints', '-q']);
    expect(r.code).toBe(0);
    expect(fake.calls[0].config).toMatchObject({ model: 'resnet20', data: { name: 'synthetic', inputShape: [3, 32, 32], numClasses: 10 }, noCheckpoints: true });
    expect(fake.calls[0].config.prune).toBeUndefined();
    expect(fake.calls[0].config.outDir).toBe(path.join(r.cwd, 'runs', 'train-resnet20-dense'));
  });
});

describe('pai experiment', () => {
  test('singleshot: grid of pruners x compressions x seeds, table of accuracies', async () => {
    const r = await pai(['experiment', 'singleshot', '-m', 'lenet5', '-p', 'synflow,snip', '--compressions', '1:2:0.5', '--seeds', '0:1', '-e', '1']);
    expect(r.code).toBe(0);
    const c = fake.calls[0].config;
    expect(c.pruners).toEqual(['synflow', 'snip']);
    expect((c.targets as { compression: number }[]).map((t) => t.compression)).toEqual([1, 1.5, 2]);
    expect(c.seeds).toEqual([0, 1]);
    expect(c.train).toEqual({ epochs: 1 });
    expect(r.out).toMatch(/^pruner +c=1 \(10\.00%\) +c=1\.5 \(3\.16%\) +c=2 \(1\.00%\)$/m);
    expect(r.out).toMatch(/^synflow +\d+\.\d\d% \(/m);
    const svg = parseXml(fs.readFileSync(path.join(r.cwd, 'runs', 'singleshot-lenet5', 'report.svg'), 'utf8'));
    expect(byClass(svg, 'figure').map((f) => f.attrs['data-figure'])).toEqual(['accuracy', 'layer-density']);
  });

  test('singleshot defaults: five pruners over 0.5..3', async () => {
    await pai(['experiment', 'singleshot', '-m', 'lenet5', '-q']);
    const c = fake.calls[0].config;
    expect(c.pruners).toEqual(['synflow', 'snip', 'grasp', 'mag', 'rand']);
    expect((c.targets as { compression: number }[]).map((t) => t.compression)).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
    expect(c.seeds).toEqual([0]);
  });

  test('collapse: the sweep 0..6 by 0.25 by default, first collapse per pruner printed', async () => {
    const r = await pai(['experiment', 'collapse', '-m', 'conv', '-p', 'synflow,rand', '--json']);
    expect(r.code).toBe(0);
    expect(fake.calls[0].config).toMatchObject({ model: 'conv', pruners: ['synflow', 'rand'], seeds: [0] });
    expect((fake.calls[0].config.compressions as number[]).length).toBe(25);
    expect(r.err).toMatch(/^rand +0 +c=3 /m);
    const doc = JSON.parse(r.out);
    expect(doc.command).toBe('experiment collapse');
    expect(doc.results.sweeps).toHaveLength(3);
  });

  test('multishot, conservation and sanity pass their own options', async () => {
    await pai(['experiment', 'multishot', '-m', 'lenet5', '--levels', '3', '--rate', '0.5', '--rewind-step', '100', '-q']);
    expect(fake.calls[0].config).toMatchObject({ levels: 3, rate: 0.5, rewindStep: 100 });
    await pai(['experiment', 'conservation', '-m', 'lenet5', '--dtype', 'float32', '-q']);
    expect(fake.calls[1].config).toMatchObject({ pruners: ['synflow'], dtype: 'float32' });
    const s = await pai(['experiment', 'sanity', '-m', 'lenet5', '-p', 'snip', '--density', '0.05', '--checks', 'invert,reinit']);
    expect(s.code).toBe(0);
    expect(fake.calls[2].config).toMatchObject({ pruners: ['snip'], checks: ['invert', 'reinit'], target: { density: 0.05 } });
    expect(s.out).toMatch(/^pruner +original +invert +reinit$/m);
  });
});

describe('pai demo', () => {
  test('LeNet-5, synflow/snip/rand at 10^1.5, 2 epochs of Adam; table and report.svg', async () => {
    const r = await pai(['demo']);
    expect(r.code).toBe(0);
    expect(fake.calls[0].fn).toBe('singleshot');
    expect(fake.calls[0].config).toEqual({
      model: 'lenet5',
      data: { name: 'mnist' },
      seeds: [0],
      prune: {},
      pruners: ['synflow', 'snip', 'rand'],
      targets: [{ density: expect.closeTo(Math.pow(10, -1.5), 15), sparsity: expect.closeTo(1 - Math.pow(10, -1.5), 15), compression: 1.5 }],
      train: { optimizer: 'adam', lr: 1e-3, batchSize: 60, epochs: 2 },
    });
    expect(r.out).toMatch(/^pruner +density +test top-1 +collapsed +prune time +train time$/m);
    expect(r.out.match(/^(synflow|snip|rand) /gm)).toHaveLength(3);
    expect(r.out).toMatch(/report: .*runs\/demo\/report\.svg/);
    expect(fs.existsSync(path.join(r.cwd, 'runs', 'demo', 'report.svg'))).toBe(true);
  });
});
