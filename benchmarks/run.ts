/**
 * The benchmark runner: `npm run bench [-- --suite NAME[,NAME]] [--filter REGEX] [--json FILE] [--quick] [--list]`.
 * Suites are the files benchmarks/suites/*.ts, each exporting a default BenchSuite; see
 * benchmarks/README.md. Each suite prints a table; --json writes every record (BENCHMARKS.md).
 */
import * as fs from 'fs';
import * as path from 'path';
import { createSuiteRun } from './harness/context';
import { machineInfo } from './harness/machine';
import { formatTable } from './harness/table';
import { probeTorch } from './harness/torch-bridge';
import type { BenchFile, BenchRecord, BenchSuite } from './harness/types';

/** Parsed command line of the runner. */
export interface RunOptions {
  suites: string[];
  /** Only cases whose name matches (suites skip the others via ctx.wants). */
  filter: RegExp | null;
  json: string | null;
  quick: boolean;
  list: boolean;
}

const USAGE = 'usage: tsx benchmarks/run.ts [--suite NAME[,NAME...]] [--filter REGEX] [--json FILE] [--quick] [--list]';

/** Parses the runner's arguments; throws with the usage line on anything unknown. */
export function parseArgs(argv: string[]): RunOptions {
  const o: RunOptions = { suites: [], filter: null, json: null, quick: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--suite' || a === '-s') o.suites.push(...value().split(',').filter(Boolean));
    else if (a.startsWith('--suite=')) o.suites.push(...a.slice(8).split(',').filter(Boolean));
    else if (a === '--filter') o.filter = new RegExp(value());
    else if (a === '--json') o.json = value();
    else if (a.startsWith('--json=')) o.json = a.slice(7);
    else if (a === '--quick') o.quick = true;
    else if (a === '--list') o.list = true;
    else throw new Error(`unknown argument '${a}'\n${USAGE}`);
  }
  return o;
}

/** Loads every suite file in benchmarks/suites, sorted by name. */
export function discoverSuites(dir = path.join(__dirname, 'suites')): BenchSuite[] {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts')).sort() : [];
  return files.map((f) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(dir, f));
    const suite: BenchSuite | undefined = mod.default ?? mod;
    if (!suite || typeof suite.run !== 'function' || typeof suite.name !== 'string') {
      throw new Error(`benchmarks/suites/${f}: the default export must be { name, description, run(ctx) }`);
    }
    return suite;
  });
}

/** Runs the selected suites; returns the records (and writes --json). */
export async function runBenchmarks(argv: string[], log: (s: string) => void = console.log): Promise<BenchRecord[]> {
  const opts = parseArgs(argv);
  const all = discoverSuites();
  if (opts.list) {
    for (const s of all) log(`${s.name.padEnd(12)} ${s.description}`);
    return [];
  }
  const unknown = opts.suites.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown suite(s) ${unknown.join(', ')}; available: ${all.map((s) => s.name).join(', ')}`);
  const chosen = opts.suites.length ? all.filter((s) => opts.suites.includes(s.name)) : all;

  const torch = probeTorch();
  const machine = machineInfo(torch.version);
  log(`machine: ${machine.cpu}, ${machine.cores} cores, ISA ${machine.isa}, node ${machine.node}, prune-at-init ${machine.version}` +
    (torch.available ? `, torch ${torch.version}` : `, no PyTorch baseline (${torch.reason})`) + (opts.quick ? ' [quick]' : ''));

  const records: BenchRecord[] = [];
  for (const suite of chosen) {
    log(`\n== ${suite.name}: ${suite.description}`);
    // One progress line per case on stderr, so a long suite shows it is alive; the table
    // on stdout follows when the suite ends.
    const progress = (r: BenchRecord) =>
      process.stderr.write(`  ${r.case}: ${r.median.toPrecision(4)} ${r.metric}` + (r.ratio !== undefined ? ` (${r.ratio.toFixed(2)}x ${r.baseline?.name})` : '') + '\n');
    const run = createSuiteRun(suite.name, opts.quick, torch, progress, opts.filter);
    const t0 = Date.now();
    try {
      await suite.run(run.ctx);
    } finally {
      run.close();
    }
    log(formatTable(run.records, run.ctx.baselineStatus.available ? null : run.ctx.baselineStatus.reason));
    for (const n of run.notes) log(`  ${n}`);
    log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    records.push(...run.records);
  }
  if (opts.json) {
    const file: BenchFile = { machine, records };
    fs.mkdirSync(path.dirname(path.resolve(opts.json)), { recursive: true });
    fs.writeFileSync(opts.json, JSON.stringify(file, null, 2) + '\n');
    log(`\nwrote ${records.length} records to ${opts.json}`);
  }
  return records;
}

if (require.main === module) {
  runBenchmarks(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: Error) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
