import { spawn } from 'child_process';
import { Command } from 'commander';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { packageRoot } from '../../backend/package-root';
import { outputOptions, runtimeOptions } from '../common-options';
import { CommandContext, commandAction, withExamples } from '../context';
import { InterruptedError, MissingModuleError, UserError } from '../errors';
import { nameList } from '../option-parsers';

/** Suite names: the files of benchmarks/suites. */
export function benchSuites(root: string): string[] {
  const dir = path.join(root, 'benchmarks', 'suites');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.slice(0, -3)).sort() : [];
}

/** Runs `node --import tsx benchmarks/run.ts args` in the package root; resolves with the exit code. */
function runRunner(root: string, args: string[], toStdout: boolean, io: CommandContext['io'], signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'benchmarks', 'run.ts'), ...args], {
      cwd: root,
      env: io.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Under --json the runner's table is human text, so it goes to stderr with the rest.
    child.stdout.on('data', (b: Buffer) => (toStdout ? io.stdout : io.stderr).write(b.toString()));
    child.stderr.on('data', (b: Buffer) => io.stderr.write(b.toString()));
    const abort = () => child.kill('SIGINT');
    signal.addEventListener('abort', abort, { once: true });
    child.on('error', (e) => reject(e));
    child.on('close', (code, sig) => {
      signal.removeEventListener('abort', abort);
      if (signal.aborted) reject(new InterruptedError());
      else resolve(code ?? (sig ? 128 : 1));
    });
  });
}

/** `pai bench`: the benchmark runner of the source checkout (benchmarks/run.ts via tsx). */
export function benchCommand(ctx: CommandContext): Command {
  const cmd = new Command('bench')
    .description('run the benchmarks (as `npm run bench`): ours against PyTorch on this machine where torch is importable')
    .allowExcessArguments(false)
    .option('--suite <names>', 'suites to run, comma-separated (default: all; see --list)', nameList)
    .option('--quick', 'run each case briefly (a smoke run, not a measurement)')
    .option('--list', 'list the suites')
    .option('--save <file>', "write the records to FILE (the runner's --json FILE)");
  runtimeOptions(cmd);
  outputOptions(cmd);
  withExamples(cmd, [
    ['pai bench --suite select --quick', 'a quick run of the selection suite'],
    ['pai bench --save bench.json', 'all suites, records written to bench.json (BENCHMARKS.md format)'],
    ['pai bench --suite gemm --json > gemm.json', 'records as one JSON document on stdout, tables on stderr'],
  ]);
  return cmd.action(
    commandAction(ctx, async ({ opts, out, ctx: { io, signal } }) => {
      const root = packageRoot();
      const runner = path.join(root, 'benchmarks', 'run.ts');
      if (!fs.existsSync(path.join(root, 'benchmarks'))) {
        throw new UserError('the benchmarks ship with the source repository, not with the npm package', 'clone the repository, run `npm ci`, then `npx pai bench`');
      }
      if (!fs.existsSync(runner)) throw new MissingModuleError('benchmarks/run.ts', ['runBenchmarks'], 'is not part of this checkout yet');
      try {
        require.resolve('tsx', { paths: [root] });
      } catch {
        throw new UserError('pai bench needs tsx, a development dependency', 'run `npm ci` (or `npm install tsx`) in the repository');
      }
      const suites = (opts.suite as string[] | undefined) ?? [];
      const known = benchSuites(root);
      const unknown = suites.filter((s) => !known.includes(s));
      if (unknown.length) throw new UserError(`unknown benchmark suite(s): ${unknown.join(', ')}`, `suites: ${known.join(', ')}`);
      const args: string[] = [];
      if (suites.length) args.push('--suite', suites.join(','));
      if (opts.quick) args.push('--quick');
      if (opts.list) args.push('--list');
      const save = opts.save !== undefined ? path.resolve(io.cwd, String(opts.save)) : null;
      const jsonFile = save ?? (opts.json ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pai-bench-')), 'records.json') : null);
      if (jsonFile && !opts.list) args.push('--json', jsonFile);
      const code = await runRunner(root, args, !opts.json, io, signal);
      if (code !== 0) throw new Error(`the benchmark runner exited with code ${code}`);
      if (opts.list) {
        out.result({ ok: true, command: 'bench', suites: known });
        return;
      }
      const doc = jsonFile && fs.existsSync(jsonFile) ? JSON.parse(fs.readFileSync(jsonFile, 'utf8')) : null;
      if (save) out.note(`wrote ${save}`);
      out.result({ ok: true, command: 'bench', file: save, ...(doc ?? { machine: null, records: [] }) });
    }),
  );
}
