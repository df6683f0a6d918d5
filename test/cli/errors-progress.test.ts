import { classifyError, EXIT, MissingModuleError, oneLine, UserError } from '../../lib/cli/errors';
import { Output } from '../../lib/cli/output';
import { PLAIN_INTERVAL_MS, Progress } from '../../lib/cli/progress';
import { formatTable } from '../../lib/cli/table';
import { memoryIo } from './memory-io';

describe('errors to exit codes', () => {
  test('user, missing-module, abort and internal errors', () => {
    expect(classifyError(new UserError('bad', 'fix it'))).toEqual({ exitCode: 1, message: 'bad', hint: 'fix it', stack: null });
    const missing = classifyError(new MissingModuleError('lib/prune', ['prune'], 'is not part of this build yet'));
    expect(missing.exitCode).toBe(EXIT.internal);
    expect(missing.message).toBe('lib/prune is not part of this build yet (needed: prune)');
    const abort = new Error('stop');
    abort.name = 'AbortError';
    expect(classifyError(abort).exitCode).toBe(EXIT.interrupted);
    const internal = classifyError(new TypeError('x is undefined'));
    expect(internal.exitCode).toBe(2);
    expect(internal.message).toBe('internal error: x is undefined');
    expect(internal.stack).toMatch(/TypeError/);
  });

  test('library errors that name a fix become user errors with the fix as hint', () => {
    const e = new Error('/data/cifar: no CIFAR-10 files. Fix: download them.');
    e.name = 'DatasetError';
    expect(classifyError(e)).toEqual({ exitCode: 1, message: '/data/cifar: no CIFAR-10 files', hint: 'download them', stack: null });
    const h = Object.assign(new Error('bad lr'), { hint: 'lower it' });
    expect(classifyError(h).exitCode).toBe(1);
  });

  test('messages print on one line', () => {
    expect(oneLine('a\n  b\n\nc')).toBe('a b c');
    expect(oneLine('x'.repeat(400))).toHaveLength(300);
  });
});

describe('output', () => {
  test('human text on stdout; under --json on stderr and one JSON document on stdout', () => {
    const io = memoryIo();
    new Output(io, false).lines(['hello']);
    expect(io.out()).toBe('hello\n');
    const io2 = memoryIo();
    const out = new Output(io2, true);
    out.lines(['hello']);
    out.result({ a: 1, nan: NaN, arr: new Float32Array([1, 2]) });
    expect(io2.err()).toBe('hello\n');
    expect(JSON.parse(io2.out())).toEqual({ a: 1, nan: null, arr: [1, 2] });
    expect(() => out.result({})).toThrow(/two JSON documents/);
  });

  test('tables pad and right-align', () => {
    expect(formatTable(['a', 'num'], [['xx', '1'], ['y', '100']], [false, true])).toEqual(['a   num', '--  ---', 'xx    1', 'y   100']);
  });
});

describe('progress', () => {
  test('plain lines: phase start, at most every 2 s with an ETA, and completion', () => {
    const io = memoryIo();
    const p = new Progress(io);
    p.onProgress({ phase: 'prune synflow', done: 0, total: 100, unit: 'iterations' });
    io.tick(500);
    p.onProgress({ phase: 'prune synflow', done: 10, total: 100, unit: 'iterations' });
    io.tick(PLAIN_INTERVAL_MS);
    p.onProgress({ phase: 'prune synflow', done: 50, total: 100, unit: 'iterations', metrics: { R: 1.5e10 } });
    io.tick(100);
    p.onProgress({ phase: 'prune synflow', done: 100, total: 100, unit: 'iterations' });
    p.onProgress({ phase: 'prune synflow', done: 100, total: 100, unit: 'iterations' });
    const lines = io.err().trim().split('\n');
    expect(lines).toEqual([
      'prune synflow: 0/100 iterations (0%)',
      'prune synflow: 50/100 iterations (50%), 2.50 s elapsed, ETA 2.50 s, R=1.5e10',
      'prune synflow: 100/100 iterations (100%), 2.60 s',
    ]);
  });

  test('a new phase starts over', () => {
    const io = memoryIo();
    const p = new Progress(io);
    p.onProgress({ phase: 'train epoch 1/2', done: 3, total: 3 });
    p.onProgress({ phase: 'train epoch 2/2', done: 1, total: 3 });
    expect(io.err().trim().split('\n')).toEqual(['train epoch 1/2: 3/3 (100%)', 'train epoch 2/2: 1/3 (33%)']);
  });

  test("an outer phase keeps its clock while inner phases come and go (a grid's ETA)", () => {
    const io = memoryIo();
    const p = new Progress(io);
    p.onProgress({ phase: 'singleshot', done: 0, total: 4, unit: 'runs' });
    io.tick(1000);
    p.onProgress({ phase: '[1/4] train epoch 1', done: 5, total: 10, unit: 'steps' });
    io.tick(9000);
    p.onProgress({ phase: 'singleshot', done: 1, total: 4, unit: 'runs' });
    expect(io.err().trim().split('\n').pop()).toBe('singleshot: 1/4 runs (25%), 10.0 s elapsed, ETA 30.0 s');
  });

  test('--quiet prints nothing; events with no total are ignored', () => {
    const io = memoryIo();
    new Progress(io, { quiet: true }).onProgress({ phase: 'x', done: 1, total: 2 });
    new Progress(io).onProgress({ phase: 'x', done: 1, total: 0 });
    expect(io.err()).toBe('');
  });

  test('a TTY gets a cli-progress bar with an ETA', () => {
    const io = memoryIo({ tty: true });
    const p = new Progress(io, { tty: true });
    p.onProgress({ phase: 'prune', done: 0, total: 10, unit: 'steps' });
    io.tick(100);
    p.onProgress({ phase: 'prune', done: 10, total: 10, unit: 'steps' });
    p.stop();
    expect(io.err()).toMatch(/prune \|.*\| 100% \| 10\/10 steps \| ETA/);
  });
});
