import { Command } from 'commander';
import { formatNumber } from '../../experiments/report/scale';
import type { PruneResults } from '../../experiments/results';
import { modelDataOptions, outOption, outputOptions, prunerOption, pruningDetailOptions, runtimeOptions, seedOption, targetOptions } from '../common-options';
import { CommandContext, commandAction, withExamples } from '../context';
import { UserError } from '../errors';
import { requireLibrary } from '../library';
import { defaultRunDir, writeRunOutputs } from '../run-output';
import { checkModel, checkPruners, dataChoiceFrom, prepareOutDir, pruneOptionsFrom } from '../settings';
import { count, duration, formatTable, percent } from '../table';
import { resolveTarget } from '../target';

/** Human summary of a pruning: one line, then the per-layer table. */
export function pruneSummary(r: PruneResults): string[] {
  const p = r.prune;
  const status = p.collapsed.length ? `${p.collapsed.length} layer(s) collapsed: ${p.collapsed.join(', ')}` : 'no layer collapsed';
  const rows = p.layers.map((l) => [l.name, `[${l.shape.join(', ')}]`, count(l.params), count(l.survivors), percent(l.density)]);
  return [
    `${p.pruner} on ${r.model.name}: kept ${count(p.survivors)} of ${count(p.prunable)} prunable weights ` +
      `(density ${percent(p.density)}, compression 10^${formatNumber(p.target.compression)}) in ${duration(p.seconds)}; ${status}.`,
    '',
    ...formatTable(['layer', 'shape', 'weights', 'kept', 'density'], rows, [false, false, true, true, true]),
  ];
}

/** `pai prune`: prune a freshly initialized model once and save masks, weights and results. */
export function pruneCommand(ctx: CommandContext): Command {
  const cmd = new Command('prune').description('prune a model at initialization to a target density').allowExcessArguments(false);
  modelDataOptions(cmd, { modelRequired: false });
  prunerOption(cmd);
  targetOptions(cmd);
  pruningDetailOptions(cmd);
  seedOption(cmd);
  outOption(cmd, 'default runs/prune-<model>-<pruner>-c<c>: masks.safetensors, weights.safetensors, results.json, report.svg');
  runtimeOptions(cmd);
  outputOptions(cmd);
  withExamples(cmd, [
    ['pai prune --model lenet5 --pruner synflow --compression 1.5', 'keep 10^-1.5 = 3.2% of LeNet-5 weights with SynFlow (100 iterations)'],
    ['pai prune -m vgg16-bn -d cifar10 --data-dir ~/data/cifar-10-binary.tar.gz -p snip --sparsity 0.99', 'SNIP at 99% sparsity on CIFAR-10'],
    ['pai prune -m resnet20 -d synthetic -p synflow --density 0.01 --scope local --json', 'each layer at 1% density; print the results as JSON'],
  ]);
  return cmd.action(
    commandAction(ctx, async ({ opts, out, hooks, ctx: { io } }) => {
      if (opts.pruner === undefined) throw new UserError('pai prune needs --pruner', 'e.g. --pruner synflow (pruners: pai prune --help)');
      const target = resolveTarget(opts as { compression?: string; density?: string; sparsity?: string })!;
      const [pruner] = checkPruners([String(opts.pruner)]);
      const model = checkModel(opts.model as string | undefined, 'prune');
      const data = dataChoiceFrom(opts, io.cwd);
      const outDir = prepareOutDir((opts.out as string | undefined) ?? defaultRunDir('prune', model, pruner, `c${formatNumber(target.compression)}`), io.cwd);
      const experiments = requireLibrary('experiments', ['runPrune']);
      const results = await experiments.runPrune({ model, data, pruner, target, seed: opts.seed as number, prune: pruneOptionsFrom(opts), outDir }, hooks);
      const files = await writeRunOutputs(outDir, results);
      out.lines(pruneSummary(results));
      out.note(`wrote ${files.join(', ')}`);
      out.result({ ok: true, command: 'prune', outDir, files, results });
    }),
  );
}
