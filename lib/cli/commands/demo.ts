import { Command } from 'commander';
import { formatNumber } from '../../experiments/report/scale';
import { targetFromCompression } from '../../experiments/results';
import { outputOptions, runtimeOptions } from '../common-options';
import { CommandContext, commandAction, withExamples } from '../context';
import { requireLibrary } from '../library';
import { integerAtLeast, nameList, numberIn } from '../option-parsers';
import { writeRunOutputs } from '../run-output';
import { checkModel, checkPruners, prepareOutDir } from '../settings';
import { comparisonTable } from '../summaries';
import { duration } from '../table';

/** The main job's defaults: LeNet-5 on the embedded MNIST at 10^1.5, trained 2 epochs with Adam. */
export const DEMO = { model: 'lenet5', pruners: ['synflow', 'snip', 'rand'], compression: 1.5, epochs: 2, optimizer: 'adam', lr: 1e-3, batchSize: 60, out: 'runs/demo' } as const;

/** `pai demo`: prune LeNet-5 with synflow, snip and rand, train each, compare, draw report.svg. */
export function demoCommand(ctx: CommandContext): Command {
  const cmd = new Command('demo')
    .description(`the main job on the embedded MNIST (no download): prune ${DEMO.model} at compression 10^${DEMO.compression} with ${DEMO.pruners.join(', ')}, train each ${DEMO.epochs} epochs, compare`)
    .allowExcessArguments(false)
    .option('-m, --model <name>', 'model (lenet5 or conv suit MNIST)', DEMO.model)
    .option('-p, --pruners <list>', 'pruners, comma-separated', nameList, [...DEMO.pruners])
    .option('-c, --compression <c>', 'compression c: keep 10^-c of the prunable weights', numberIn(0, null), DEMO.compression)
    .option('-e, --epochs <n>', 'training epochs per pruner', integerAtLeast(1), DEMO.epochs)
    .option('-s, --seed <n>', 'random seed', integerAtLeast(0), 0)
    .option('-o, --out <dir>', 'output directory: results.json and report.svg', DEMO.out);
  runtimeOptions(cmd);
  outputOptions(cmd);
  withExamples(cmd, [
    ['npx pai demo', `the README's main job; writes ${DEMO.out}/report.svg`],
    ['pai demo --model conv --pruners synflow,snip,grasp,rand --epochs 1', 'another model and pruner set'],
    ['pai demo --json > demo.json', 'the singleshot results as one JSON document'],
  ]);
  return cmd.action(
    commandAction(ctx, async ({ opts, out, hooks, ctx: { io } }) => {
      const model = checkModel(opts.model as string, 'demo');
      const pruners = checkPruners(opts.pruners as string[]);
      const outDir = prepareOutDir(String(opts.out), io.cwd);
      const compression = opts.compression as number;
      const t0 = io.now();
      const results = await requireLibrary('experiments', ['singleshot']).singleshot(
        {
          model,
          data: { name: 'mnist' },
          seeds: [opts.seed as number],
          prune: {},
          pruners,
          targets: [targetFromCompression(compression)],
          train: { optimizer: DEMO.optimizer, lr: DEMO.lr, batchSize: DEMO.batchSize, epochs: opts.epochs as number },
        },
        hooks,
      );
      const files = await writeRunOutputs(outDir, results);
      out.lines([
        `${model} on the embedded MNIST at compression 10^${formatNumber(compression)}, ${opts.epochs} epoch(s) each:`,
        '',
        ...comparisonTable(results),
        '',
        `done in ${duration((io.now() - t0) / 1000)}; report: ${files.find((f) => f.endsWith('report.svg')) ?? '(none)'}`,
      ]);
      out.result({ ok: true, command: 'demo', outDir, files, results });
    }),
  );
}
