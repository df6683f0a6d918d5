import { Command } from 'commander';
import * as fs from 'fs';
import * as path from 'path';
import { readResultsFile } from '../../experiments/report/load';
import { formatNumber } from '../../experiments/report/scale';
import type { TrainResults } from '../../experiments/results';
import { modelDataOptions, outOption, outputOptions, prunerOption, pruningDetailOptions, runtimeOptions, seedOption, targetOptions, trainOptions } from '../common-options';
import { CommandContext, commandAction, withExamples } from '../context';
import { UserError } from '../errors';
import { requireLibrary } from '../library';
import type { TrainRunConfig } from '../library-api';
import { integerAtLeast } from '../option-parsers';
import { defaultRunDir, writeRunOutputs } from '../run-output';
import { checkModel, checkPruners, dataChoiceFrom, ParsedOptions, prepareOutDir, pruneOptionsFrom, trainOptionsFrom } from '../settings';
import { duration, formatTable, percent } from '../table';
import { resolveTarget } from '../target';

/** Human summary of a training run: the epoch table and the final line. */
export function trainSummary(r: TrainResults): string[] {
  const rows = r.train.epochs.map((e) => [String(e.epoch), e.lr.toPrecision(3), e.train.loss.toFixed(4), percent(e.train.top1), e.test.loss.toFixed(4), percent(e.test.top1), percent(e.test.top5), duration(e.seconds)]);
  const what = r.prune ? `${r.prune.pruner} at density ${percent(r.prune.density)}` : 'dense';
  return [
    ...formatTable(['epoch', 'lr', 'train loss', 'train top-1', 'test loss', 'test top-1', 'test top-5', 'time'], rows, [true, true, true, true, true, true, true, true]),
    '',
    `${r.model.name} (${what}): test top-1 ${percent(r.train.final.top1)}, best ${percent(r.train.best.top1)} at epoch ${r.train.best.epoch}, in ${duration(r.train.seconds)}${r.resumed ? ' (resumed)' : ''}.`,
    ...executionLine(r),
  ];
}

/** "sparse auto: 2 of 4 layers compressed (conv2.weight, fc1.weight)" when the run was pruned. */
function executionLine(r: TrainResults): string[] {
  const layers = r.train.execution;
  if (!r.prune || !layers?.length) return [];
  const compressed = layers.filter((l) => l.mode === 'compressed');
  const names = compressed.length > 0 && compressed.length <= 4 ? ` (${compressed.map((l) => l.key).join(', ')})` : '';
  return [`sparse ${r.settings.sparse}: ${compressed.length} of ${layers.length} layers compressed${names}, the others dense-masked.`];
}

/** The run's model and data from `--from DIR` (a prune output), checked against explicit flags. */
function fromPruneRun(
  dir: string,
  opts: ParsedOptions,
  cwd: string,
  given: (name: string) => boolean,
): { model: string; dataName: string; dataDir: string | null; synthetic: { inputShape: number[]; classes: number; syntheticSize?: number } | null } {
  const abs = path.resolve(cwd, dir);
  for (const f of ['results.json', 'weights.safetensors', 'masks.safetensors']) {
    if (!fs.existsSync(path.join(abs, f))) throw new UserError(`--from ${dir}: ${f} not found`, 'give the output directory of a `pai prune` run');
  }
  let doc;
  try {
    doc = readResultsFile(abs);
  } catch (e) {
    throw new UserError(`--from ${dir}: ${(e as Error).message}`, 'give the output directory of a `pai prune` run');
  }
  if (doc.kind !== 'prune') throw new UserError(`--from ${dir}: holds a '${doc.kind}' result, not a prune result`, 'give the output directory of a `pai prune` run');
  if (given('model') && opts.model !== doc.model.name) {
    throw new UserError(`--model ${String(opts.model)} conflicts with --from ${dir} (pruned ${doc.model.name})`, 'drop --model: the model comes from the prune run');
  }
  for (const flag of ['pruner', 'compression', 'density', 'sparsity']) {
    if (given(flag)) throw new UserError(`--${flag} conflicts with --from ${dir}`, 'the pruning comes from the prune run; drop the pruning flags or --from');
  }
  const dataName = doc.data?.name ?? 'mnist';
  // A synthetic set is rebuilt from its parameters: the model's input shape and classes, the size.
  const synthetic =
    dataName === 'synthetic'
      ? { inputShape: [...doc.model.inputShape], classes: doc.model.numClasses, syntheticSize: doc.data?.trainSize }
      : null;
  return { model: doc.model.name, dataName, dataDir: doc.data?.dir ?? null, synthetic };
}

/** `pai train`: train from a prune output directory, or prune and train in one go, or dense. */
export function trainCommand(ctx: CommandContext): Command {
  const cmd = new Command('train').description('train a pruned (or dense) model sparsely and evaluate it every epoch').allowExcessArguments(false);
  cmd.option('--from <dir>', 'start from a `pai prune` output directory (its weights and masks)');
  modelDataOptions(cmd);
  prunerOption(cmd);
  targetOptions(cmd);
  pruningDetailOptions(cmd);
  trainOptions(cmd);
  cmd.option('--checkpoint-every <epochs>', 'write a checkpoint every n epochs (default 1) and at the end', integerAtLeast(1));
  cmd.option('--no-checkpoints', 'write no checkpoints');
  cmd.option('--resume', 'continue from the latest checkpoint in --out');
  seedOption(cmd);
  outOption(cmd, 'default runs/train-<model>-<pruner|dense>: weights.safetensors, masks.safetensors, results.json, report.svg, checkpoints/');
  runtimeOptions(cmd);
  outputOptions(cmd);
  withExamples(cmd, [
    ['pai train --from runs/prune-lenet5-synflow-c1.5 --epochs 10', 'train the masks of a `pai prune` run for 10 epochs'],
    ['pai train -m lenet5 -p snip -c 2 -e 2 --optimizer adam --lr 1e-3 -b 60', 'prune with SNIP to 1% and train, in one go'],
    ['pai train -m resnet20 -d cifar10 --data-dir ~/data/cifar10 -e 160 --out runs/r20 --resume', 'continue an interrupted dense run from its last checkpoint'],
  ]);
  return cmd.action(
    commandAction(ctx, async ({ opts, out, hooks, given, ctx: { io } }) => {
      const target = resolveTarget(opts as { compression?: string; density?: string; sparsity?: string }, { required: false });
      const train = trainOptionsFrom(opts);
      const config: Partial<TrainRunConfig> = { seed: opts.seed as number, train };
      let label: string;
      if (opts.from !== undefined) {
        const from = fromPruneRun(String(opts.from), opts, io.cwd, given);
        config.from = path.resolve(io.cwd, String(opts.from));
        config.model = from.model;
        // The prune run's dataset, unless the user names another (e.g. a moved --data-dir).
        const dataOpts: ParsedOptions = { ...opts, dataset: given('dataset') ? opts.dataset : from.dataName, dataDir: opts.dataDir ?? from.dataDir ?? undefined };
        if (from.synthetic && !given('dataset')) {
          dataOpts.inputShape ??= from.synthetic.inputShape;
          dataOpts.classes ??= from.synthetic.classes;
          dataOpts.syntheticSize ??= from.synthetic.syntheticSize;
        }
        config.data = dataChoiceFrom(dataOpts, io.cwd);
        label = `${path.basename(config.from)}`;
      } else {
        config.model = checkModel(opts.model as string | undefined, 'train');
        config.data = dataChoiceFrom(opts, io.cwd);
        if (opts.pruner !== undefined) {
          if (!target) throw new UserError('--pruner needs a target', 'add --compression, --density or --sparsity');
          const [pruner] = checkPruners([String(opts.pruner)]);
          config.prune = { pruner, target, options: pruneOptionsFrom(opts) };
          label = `${pruner}-c${formatNumber(target.compression)}`;
        } else {
          if (target) throw new UserError('a target needs --pruner', 'add --pruner NAME, or drop the target to train dense');
          label = 'dense';
        }
      }
      const outDir = prepareOutDir((opts.out as string | undefined) ?? defaultRunDir('train', config.model, label), io.cwd);
      if (opts.resume && !fs.existsSync(path.join(outDir, 'checkpoints'))) {
        throw new UserError(`--resume: no checkpoints in ${outDir}`, 'give the --out directory of the interrupted run');
      }
      if (opts.resume && opts.checkpoints === false) throw new UserError('--resume conflicts with --no-checkpoints', 'drop one of them');
      config.outDir = outDir;
      if (opts.checkpointEvery !== undefined) config.checkpointEvery = opts.checkpointEvery as number;
      if (opts.checkpoints === false) config.noCheckpoints = true;
      if (opts.resume) config.resume = true;
      const experiments = requireLibrary('experiments', ['runTrain']);
      const results = await experiments.runTrain(config as TrainRunConfig, hooks);
      const files = await writeRunOutputs(outDir, results);
      out.lines(trainSummary(results));
      out.note(`wrote ${files.join(', ')}`);
      out.result({ ok: true, command: 'train', outDir, files, results });
    }),
  );
}
