import * as fs from 'fs';
import * as path from 'path';
import { overrideLibraryModule } from '../../lib/cli/library';
import { main } from '../../lib/cli/main';
import { byClass, parseXml } from '../experiments/report/svg-walker';
import { fakeExperiments } from './fake-experiments';
import { memoryIo, tempDir } from './memory-io';

const MODELS = ['lenet5', 'conv', 'fc', 'vgg16-bn', 'resnet20'];

async function pai(argv: string[], cwd = tempDir()) {
  const io = memoryIo({ cwd });
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err(), cwd };
}

let fake: ReturnType<typeof fakeExperiments>;
beforeEach(() => {
  fake = fakeExperiments();
  overrideLibraryModule('experiments', fake.impl);
  overrideLibraryModule('models', { modelNames: () => MODELS });
});
afterEach(() => {
  overrideLibraryModule('experiments', null);
  overrideLibraryModule('models', null);
});

describe('help and usage', () => {
  test.each([['--help'], ['prune', '--help'], ['train', '--help'], ['experiment', 'collapse', '--help'], ['report', '--help'], ['bench', '--help'], ['info', '--help'], ['demo', '--help'], ['help', 'prune']])(
    '%s shows options and examples, exit 0',
    async (...argv) => {
      const r = await pai(argv);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Usage: pai/);
      expect(r.out).toMatch(/Examples:\n  \$ (npx )?pai /);
      expect(r.err).toBe('');
    },
  );

  test('every command documents --json', async () => {
    for (const argv of [['prune'], ['train'], ['report'], ['bench'], ['info'], ['demo'], ...['singleshot', 'multishot', 'collapse', 'conservation', 'sanity'].map((k) => ['experiment', k])]) {
      const r = await pai([...argv, '--help']);
      expect(r.out).toContain('--json');
    }
  });

  test('--version prints the package version', async () => {
    const r = await pai(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version);
  });

  test('no command: help on stderr, exit 1', async () => {
    const r = await pai([]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Usage: pai/);
  });
});

describe('user errors: exit 1, one line and a hint', () => {
  test.each([
    [['prune', '--bogus'], /^pai: error: unknown option '--bogus'$/, /pai prune --help/],
    [['prune', '--compresion', '1'], /unknown option '--compresion'/, /did you mean --compression\?/],
    [['prune', '-m', 'lenet5', '-p', 'synflow', '--seed'], /option '-s, --seed <n>' argument missing/, /--help/],
    [['prune', '-m', 'lenet5', '-p', 'synflow', '-c', '1', '--seed', '-3'], /argument '-3' is invalid/, /--help/],
    [['prune', '-m', 'lenet5', '-p', 'synflow', '-c', '1', '--scope', 'row'], /Allowed choices are global, local/, /--help/],
    [['prune', '-m', 'lenet6', '-p', 'synflow', '-c', '1'], /^pai: error: unknown model 'lenet6'$/, /did you mean 'lenet5'/],
    [['prune', '-m', 'lenet5', '-p', 'synflw', '-c', '1'], /unknown pruner 'synflw'/, /did you mean 'synflow'/],
    [['prune', '-m', 'lenet5', '-p', 'synflow'], /no pruning target/, /--compression/],
    [['prune', '-m', 'lenet5', '-c', '1'], /needs --pruner/, /synflow/],
    [['prune', '-m', 'lenet5', '-p', 'snip', '-c', '1', '-d', 'cifar10', '--data-dir', '/no/such/dir'], /dataset directory not found: \/no\/such\/dir/, /--data-dir/],
    [['prune', '-m', 'lenet5', '-p', 'snip', '-c', '1', 'extra'], /too many arguments for 'prune'/, /--help/],
    [['train', '-m', 'lenet5', '-c', '2'], /a target needs --pruner/, /--pruner NAME/],
    [['train', '--from', 'nowhere'], /--from nowhere: results.json not found/, /pai prune/],
    [['train', '-m', 'lenet5', '--resume', '-o', 'fresh'], /--resume: no checkpoints/, /interrupted run/],
    [['experiment', 'collapse', '-m', 'lenet5', '--compressions', '1,x'], /expected numbers/, /0:6:0.25/],
    [['experiment', 'sanity', '-m', 'lenet5', '-c', '1', '--checks', 'flip'], /unknown sanity check 'flip'/, /layer-shuffle/],
    [['experiment', 'frobnicate'], /unknown command 'frobnicate'/, /pai --help/],
    [['report', 'missing-dir'], /missing-dir: no such file or directory/, /results.json/],
    [['bench', '--suite', 'nope'], /unknown benchmark suite\(s\): nope/, /suites:/],
    [['nope'], /unknown command 'nope'/, /pai --help/],
  ])('%j', async (argv, message, hint) => {
    const r = await pai(argv as string[]);
    expect(r.code).toBe(1);
    const lines = r.err.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^pai: error: /);
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toMatch(/^  hint: /);
    expect(lines[1]).toMatch(hint);
    expect(r.out).toBe('');
    expect(fake.calls).toHaveLength(0);
  });

  test('under --json the error is also one JSON document on stdout', async () => {
    const r = await pai(['prune', '--json', '-m', 'lenet5', '-p', 'snip', '--density', '2']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({ ok: false, command: 'prune', error: { message: '--density must be in (0, 1], got 2', hint: expect.stringMatching(/fraction/), exitCode: 1 } });
  });
});

describe('internal errors: exit 2', () => {
  test('a missing library function names the module', async () => {
    overrideLibraryModule('experiments', { singleshot: fake.impl.singleshot });
    const r = await pai(['prune', '-m', 'lenet5', '-p', 'synflow', '-c', '1', '--json']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^pai: error: lib\/experiments does not export runPrune yet \(needed: runPrune\)$/m);
    expect(JSON.parse(r.out).error.exitCode).toBe(2);
  });

  test('a library crash is reported as internal, with the stack under PAI_DEBUG', async () => {
    overrideLibraryModule('experiments', { collapse: async () => { throw new TypeError('boom'); } });
    const io = memoryIo({ cwd: tempDir(), env: { PAI_DEBUG: '1' } });
    const code = await main(['experiment', 'collapse', '-m', 'conv'], io);
    expect(code).toBe(2);
    expect(io.err()).toMatch(/^pai: error: internal error: boom\n  hint: rerun with PAI_DEBUG=1/);
    expect(io.err()).toMatch(/TypeError: boom\n\s+at /);
  });

  test('cancellation exits 130', async () => {
    overrideLibraryModule('experiments', {
      collapse: async (_c, hooks) => {
        hooks.signal!.throwIfAborted();
        return fake.impl.collapse(_c, hooks);
      },
    });
    const controller = new AbortController();
    controller.abort();
    const io = memoryIo({ cwd: tempDir() });
    expect(await main(['experiment', 'collapse', '-m', 'conv'], io, { signal: controller.signal })).toBe(130);
    expect(io.err()).toMatch(/pai: error: interrupted/);
  });
});

describe('report', () => {
  test('redraws report.svg and one SVG per figure from saved results', async () => {
    const r0 = await pai(['experiment', 'singleshot', '-m', 'lenet5', '-p', 'synflow,snip', '--compressions', '1,2', '--seeds', '0,1', '-o', 'ss', '-q']);
    expect(r0.code).toBe(0);
    const r = await pai(['report', 'ss', '--json'], r0.cwd);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.figures).toEqual(['accuracy', 'layer-density']);
    expect(doc.files.map((f: string) => path.basename(f))).toEqual(['report.svg', 'accuracy.svg', 'layer-density.svg']);
    for (const f of doc.files) expect(() => parseXml(fs.readFileSync(f, 'utf8'))).not.toThrow();
    const acc = parseXml(fs.readFileSync(path.join(r0.cwd, 'ss', 'accuracy.svg'), 'utf8'));
    expect(byClass(acc, 'series').map((s) => s.attrs['data-series'])).toEqual(['synflow', 'snip']);
  });

  test('several directories are drawn together into ./report', async () => {
    const cwd = tempDir();
    await pai(['experiment', 'collapse', '-m', 'lenet5', '-o', 'a', '-q'], cwd);
    await pai(['experiment', 'conservation', '-m', 'lenet5', '-o', 'b', '-q'], cwd);
    const r = await pai(['report', 'a', 'b/results.json'], cwd);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/2 result file\(s\): layer-density, collapse, conservation/);
    expect(fs.existsSync(path.join(cwd, 'report', 'collapse.svg'))).toBe(true);
  });

  test('a file that is not results JSON is a user error naming it', async () => {
    const cwd = tempDir();
    fs.writeFileSync(path.join(cwd, 'x.json'), '{"format":"other"}');
    const r = await pai(['report', 'x.json'], cwd);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/x.json: not a prune-at-init results file/);
  });
});

describe('info', () => {
  test('--json reports version, backends, ISA, threads and CUDA', async () => {
    const r = await pai(['info', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ ok: true, command: 'info', version: expect.any(String), node: process.version });
    expect(doc.backends.map((b: { name: string }) => b.name)).toEqual(['reference', 'cpu', 'cuda']);
    expect(doc.backends[0].available).toBe(true);
    expect(doc.native).toHaveProperty('isa');
    expect(doc.native).toHaveProperty('threads');
    expect(Array.isArray(doc.cuda.devices)).toBe(true);
    expect(r.err).toMatch(/^prune-at-init /);
  });

  test('human output names the backend and the native addon', async () => {
    const r = await pai(['info']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^backend: +\w+/m);
    expect(r.out).toMatch(/^native addon: /m);
    expect(r.out).toMatch(/^CUDA devices: /m);
  });
});
