import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ensureBuilt, ROOT } from './built-package';
import { tempDir } from './memory-io';

const BIN = path.join(ROOT, 'bin', 'pai.js');

/** Runs the installed-style `pai` (bin/pai.js on dist/) as a child process. */
function pai(args: string[], cwd = tempDir(), timeout = 300_000) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout, env: { ...process.env, PAI_DEBUG: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr, cwd };
}

beforeAll(() => ensureBuilt());

describe('pai as a child process', () => {
  test('--help: exit 0, usage on stdout', () => {
    const r = pai(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: pai /);
  });

  test('info --json: exactly one JSON document on stdout', () => {
    const r = pai(['info', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.command).toBe('info');
    expect(doc.backends[0]).toEqual({ name: 'reference', available: true, error: null });
    expect(doc.models).toContain('lenet5');
    expect(r.err).toMatch(/^prune-at-init /);
  });

  test.each([
    [['prune', '--no-such-flag'], /unknown option '--no-such-flag'/],
    [['prune', '-m', 'vgg17', '-p', 'synflow', '-c', '1'], /unknown model 'vgg17'/],
    [['prune', '-m', 'lenet5', '-p', 'synflow', '-c', '1', '-d', 'fashion-mnist', '--data-dir', '/no/such/dir', '--json'], /dataset directory not found/],
    [['experiment', 'collapse', '-m', 'conv', '--seeds', 'x'], /argument 'x' is invalid/],
    [['prune', '-m', 'lenet5', '-p', 'snip', '-c', '1', '-d', 'mnist-idx', '--data-dir', '.'], /neither train-images-idx3-ubyte\.gz nor train-images-idx3-ubyte is in this directory/],
    [['experiment', 'conservation', '-m', 'fc', '--dtype', 'float64'], /dtype float64 is not available for zoo models/],
  ])('%j: exit 1, one line and a hint', (args, message) => {
    const r = pai(args as string[]);
    expect(r.code).toBe(1);
    const lines = r.err.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toMatch(/^  hint: /);
    if ((args as string[]).includes('--json')) expect(JSON.parse(r.out).error.exitCode).toBe(1);
    else expect(r.out).toBe('');
  });

  test('report: redraws from a results.json written elsewhere', () => {
    const cwd = tempDir();
    fs.mkdirSync(path.join(cwd, 'run'));
    const fixtures = require('../experiments/report/fixtures') as typeof import('../experiments/report/fixtures');
    fs.writeFileSync(path.join(cwd, 'run', 'results.json'), JSON.stringify(fixtures.collapse()));
    const r = pai(['report', 'run', '--json'], cwd);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).figures).toEqual(['layer-density', 'collapse']);
    expect(fs.readFileSync(path.join(cwd, 'run', 'report.svg'), 'utf8')).toMatch(/^<\?xml/);
  });

  test('bench --list --json lists the suites', () => {
    const r = pai(['bench', '--list', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.suites.length).toBeGreaterThan(0);
    for (const s of doc.suites) expect(fs.existsSync(path.join(ROOT, 'benchmarks', 'suites', `${s}.ts`))).toBe(true);
  });
});

// The acceptance runs of the CLI issue: real pruning, training and a collapse sweep.
describe('pai prune, train, experiment collapse and demo, for real', () => {
  test('prune -> train (1 epoch) -> collapse, each parsed from --json', () => {
    const cwd = tempDir();
    const p = pai(['prune', '-m', 'lenet5', '-p', 'synflow', '-c', '1', '--iterations', '10', '-o', 'p', '--json'], cwd);
    expect(p.code).toBe(0);
    const pd = JSON.parse(p.out);
    expect(pd.results.kind).toBe('prune');
    expect(pd.results.prune.survivors).toBe(Math.round(0.1 * pd.results.prune.prunable));
    for (const f of ['masks.safetensors', 'weights.safetensors', 'results.json', 'report.svg']) expect(fs.existsSync(path.join(cwd, 'p', f))).toBe(true);
    const t = pai(['train', '--from', 'p', '-e', '1', '-b', '100', '-o', 't', '--json'], cwd);
    expect(t.code).toBe(0);
    const td = JSON.parse(t.out);
    expect(td.results.train.epochs).toHaveLength(1);
    expect(td.results.train.final.top1).toBeGreaterThan(0.1);
    expect(td.results.prune.pruner).toBe('synflow');
    expect(fs.existsSync(path.join(cwd, 't', 'checkpoints', 'checkpoint.safetensors'))).toBe(true);
    const c = pai(['experiment', 'collapse', '-m', 'lenet300', '-p', 'synflow,rand', '--compressions', '0:4:1', '--iterations', '10', '-o', 'c', '--json'], cwd);
    expect(c.code).toBe(0);
    const cd = JSON.parse(c.out);
    expect(cd.results.sweeps.map((s: { pruner: string }) => s.pruner)).toEqual(['synflow', 'rand']);
    expect(cd.results.compressions).toEqual([0, 1, 2, 3, 4]);
  });

  test('train --from a prune run on a synthetic set rebuilds that set; other data is a user error', () => {
    const cwd = tempDir();
    const p = pai(['prune', '-m', 'conv', '-d', 'synthetic', '--input-shape', '1x8x8', '--classes', '3', '--synthetic-size', '64', '-p', 'snip', '-c', '1', '-o', 'p', '-q'], cwd);
    expect(p.code).toBe(0);
    const t = pai(['train', '--from', 'p', '-e', '1', '-b', '32', '-o', 't', '--json'], cwd);
    expect(t.code).toBe(0);
    expect(JSON.parse(t.out).results.model).toMatchObject({ inputShape: [1, 8, 8], numClasses: 3 });
    const other = pai(['train', '--from', 'p', '-d', 'synthetic', '-e', '1', '-o', 'u'], cwd);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/pruned conv for 1x8x8 inputs, 3 classes; the data here gives 3x32x32 inputs, 10 classes/);
  });

  test('demo (shortened): the comparison table on stdout and report.svg', () => {
    const cwd = tempDir();
    const d = pai(['demo', '--model', 'lenet300', '--pruners', 'synflow,rand', '--epochs', '1', '-q'], cwd);
    expect(d.code).toBe(0);
    expect(d.out).toMatch(/^lenet300 on the embedded MNIST at compression 10\^1\.5, 1 epoch\(s\) each:/);
    expect(d.out).toMatch(/\nsynflow +3\.16%/);
    expect(d.out).toMatch(/\nrand +3\.16%/);
    expect(fs.readFileSync(path.join(cwd, 'runs', 'demo', 'report.svg'), 'utf8')).toMatch(/^<\?xml/);
    expect(JSON.parse(fs.readFileSync(path.join(cwd, 'runs', 'demo', 'results.json'), 'utf8')).kind).toBe('singleshot');
  });
});
