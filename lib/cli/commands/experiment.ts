import { Command, Option } from 'commander';
import type { Results, SanityCheck } from '../../experiments/results';
import { modelDataOptions, outOption, outputOptions, pruningDetailOptions, runtimeOptions, seedsOption, targetGridOptions, targetOptions, trainOptions } from '../common-options';
import { CommandContext, commandAction, CommandScope, withExamples } from '../context';
import { UserError } from '../errors';
import { requireLibrary } from '../library';
import type { ExperimentBase } from '../library-api';
import { integerAtLeast, nameList, numberIn } from '../option-parsers';
import { defaultRunDir, writeRunOutputs } from '../run-output';
import { checkModel, checkPruners, dataChoiceFrom, prepareOutDir, pruneOptionsFrom, trainOptionsFrom } from '../settings';
import { collapseSummary, conservationSummary, multishotSummary, sanitySummary, singleshotSummary } from '../summaries';
import { parseNumberList, resolveTarget, resolveTargets } from '../target';
import { EXPERIMENTS, SANITY_CHECKS } from '../vocabulary';

/** Options every experiment shares: model, data, pruning details, seeds, output. */
function experimentBase(cmd: Command, kind: string, pruners: string | null): Command {
  modelDataOptions(cmd, { defaultModel: undefined });
  if (pruners !== null) cmd.option('-p, --pruners <list>', `pruners, comma-separated (default ${pruners})`, nameList);
  seedsOption(cmd);
  return outOption(cmd, `default runs/${kind}-<model>: results.json and report.svg`);
}

/** Pruning details, runtime and output flags: the tail of every experiment's options. */
function experimentTail(cmd: Command): Command {
  pruningDetailOptions(cmd);
  runtimeOptions(cmd);
  return outputOptions(cmd);
}

/** The shared part of every configuration, validated. */
function baseConfig({ opts, ctx }: CommandScope, kind: string): ExperimentBase & { outDir: string } {
  const model = checkModel(opts.model as string | undefined, `experiment ${kind}`);
  const data = dataChoiceFrom(opts, ctx.io.cwd);
  const outDir = prepareOutDir((opts.out as string | undefined) ?? defaultRunDir(kind, model), ctx.io.cwd);
  return { model, data, seeds: opts.seeds as number[], prune: pruneOptionsFrom(opts), outDir };
}

function prunersOf(opts: Record<string, unknown>, fallback: string): string[] {
  return checkPruners((opts.pruners as string[] | undefined) ?? fallback.split(','));
}

/** Runs the library experiment, writes results.json and report.svg, prints the summary. */
async function finish(scope: CommandScope, kind: string, outDir: string, results: Results, summary: string[]): Promise<void> {
  const files = await writeRunOutputs(outDir, results);
  scope.out.lines(summary);
  scope.out.note(`wrote ${files.join(', ')}`);
  scope.out.result({ ok: true, command: `experiment ${kind}`, outDir, files, results });
}

const SINGLESHOT_PRUNERS = 'synflow,snip,grasp,mag,rand';
const COLLAPSE_PRUNERS = 'synflow,snip,grasp,mag,rand';

function singleshot(ctx: CommandContext): Command {
  const cmd = new Command('singleshot').description(EXPERIMENTS.singleshot).allowExcessArguments(false);
  experimentBase(cmd, 'singleshot', SINGLESHOT_PRUNERS);
  targetGridOptions(cmd, '0.5:3:0.5');
  trainOptions(cmd);
  experimentTail(cmd);
  withExamples(cmd, [
    ['pai experiment singleshot -m lenet5 --compressions 1:3:1 -e 2', 'synflow, snip, grasp, mag and rand at 10%, 1% and 0.1% density, trained 2 epochs'],
    ['pai experiment singleshot -m vgg16-bn -d cifar100 --data-dir ~/data -p synflow,snip --compressions 0.5:3:0.5 --seeds 0:2', 'the SynFlow Fig. 6 grid with 3 seeds'],
  ]);
  return cmd.action(
    commandAction(ctx, async (scope) => {
      const base = baseConfig(scope, 'singleshot');
      const targets = resolveTargets(scope.opts as Record<string, string | undefined>, '0.5:3:0.5');
      const config = { ...base, pruners: prunersOf(scope.opts, SINGLESHOT_PRUNERS), targets, train: trainOptionsFrom(scope.opts) };
      const results = await requireLibrary('experiments', ['singleshot']).singleshot(config, scope.hooks);
      await finish(scope, 'singleshot', base.outDir, results, singleshotSummary(results));
    }),
  );
}

function multishot(ctx: CommandContext): Command {
  const cmd = new Command('multishot').description(EXPERIMENTS.multishot).allowExcessArguments(false);
  experimentBase(cmd, 'multishot', null);
  cmd.option('--levels <n>', 'pruning levels after the dense one (default 10)', integerAtLeast(1), 10);
  cmd.option('--rate <x>', 'fraction of the remaining weights removed per level', numberIn(0, 1, { openMin: true }), 0.2);
  cmd.option('--rewind-step <k>', 'rewind survivors to training step k (0 = initialization)', integerAtLeast(0), 0);
  trainOptions(cmd);
  experimentTail(cmd);
  withExamples(cmd, [
    ['pai experiment multishot -m lenet300 --levels 8 -e 10', 'IMP: 8 levels of 20% magnitude pruning with rewinding to init'],
    ['pai experiment multishot -m resnet20 -d cifar10 --data-dir ~/data --rewind-step 500', 'rewind to step 500 (Frankle et al. 2020)'],
  ]);
  return cmd.action(
    commandAction(ctx, async (scope) => {
      const base = baseConfig(scope, 'multishot');
      const o = scope.opts;
      const config = { ...base, levels: o.levels as number, rate: o.rate as number, rewindStep: o.rewindStep as number, train: trainOptionsFrom(o) };
      const results = await requireLibrary('experiments', ['multishot']).multishot(config, scope.hooks);
      await finish(scope, 'multishot', base.outDir, results, multishotSummary(results));
    }),
  );
}

function collapse(ctx: CommandContext): Command {
  const cmd = new Command('collapse').description(EXPERIMENTS.collapse).allowExcessArguments(false);
  experimentBase(cmd, 'collapse', COLLAPSE_PRUNERS);
  cmd.option('--compressions <list>', 'compressions to sweep, "1,2,3" or start:stop:step', '0:6:0.25');
  experimentTail(cmd);
  withExamples(cmd, [
    ['pai experiment collapse -m vgg16-bn -d synthetic --input-shape 3x32x32 --classes 100 -p synflow,rand,mag', 'SynFlow Fig. 1: where each pruner first empties a layer'],
    ['pai experiment collapse -m conv -p synflow,mag --compressions 0:4:0.5 --json', 'a quick sweep, printed as JSON'],
  ]);
  return cmd.action(
    commandAction(ctx, async (scope) => {
      const base = baseConfig(scope, 'collapse');
      const compressions = parseNumberList('--compressions', String(scope.opts.compressions));
      if (compressions.some((c) => c < 0)) throw new UserError('--compressions must be >= 0', 'compression c keeps 10^-c of the weights; 0 is dense');
      const config = { ...base, pruners: prunersOf(scope.opts, COLLAPSE_PRUNERS), compressions };
      const results = await requireLibrary('experiments', ['collapse']).collapse(config, scope.hooks);
      await finish(scope, 'collapse', base.outDir, results, collapseSummary(results));
    }),
  );
}

function conservation(ctx: CommandContext): Command {
  const cmd = new Command('conservation').description(EXPERIMENTS.conservation).allowExcessArguments(false);
  experimentBase(cmd, 'conservation', 'synflow');
  cmd.addOption(new Option('--dtype <type>', 'precision of the network computing the scores (sums accumulate in float64); the zoo models are float32').choices(['float32', 'float64']).default('float32'));
  experimentTail(cmd);
  withExamples(cmd, [
    ['pai experiment conservation -m fc -p synflow,snip', 'neuron-wise and layer-wise score sums (SynFlow Theorems 1 and 2)'],
    ['pai experiment conservation -m vgg11 --backend cpu --json', 'residuals of the native float32 path'],
  ]);
  return cmd.action(
    commandAction(ctx, async (scope) => {
      const base = baseConfig(scope, 'conservation');
      const config = { ...base, pruners: prunersOf(scope.opts, 'synflow'), dtype: scope.opts.dtype as 'float32' | 'float64' };
      const results = await requireLibrary('experiments', ['conservation']).conservation(config, scope.hooks);
      await finish(scope, 'conservation', base.outDir, results, conservationSummary(results));
    }),
  );
}

function sanity(ctx: CommandContext): Command {
  const cmd = new Command('sanity').description(EXPERIMENTS.sanity).allowExcessArguments(false);
  experimentBase(cmd, 'sanity', 'synflow,snip,grasp');
  targetOptions(cmd);
  cmd.option('--checks <list>', `checks besides the original mask (default ${SANITY_CHECKS.join(',')})`, nameList);
  trainOptions(cmd);
  experimentTail(cmd);
  withExamples(cmd, [
    ['pai experiment sanity -m lenet5 -p synflow,snip -c 1.5 -e 2', 'shuffle, reinit and invert each mask and train all four'],
    ['pai experiment sanity -m resnet20 -d cifar10 --data-dir ~/data -c 1 --checks layer-shuffle', 'only the layer-wise shuffle'],
  ]);
  return cmd.action(
    commandAction(ctx, async (scope) => {
      const base = baseConfig(scope, 'sanity');
      const target = resolveTarget(scope.opts as { compression?: string; density?: string; sparsity?: string })!;
      const checks = ((scope.opts.checks as string[] | undefined) ?? [...SANITY_CHECKS]) as SanityCheck[];
      for (const c of checks) {
        if (!(SANITY_CHECKS as readonly string[]).includes(c)) throw new UserError(`unknown sanity check '${c}'`, `known checks: ${SANITY_CHECKS.join(', ')}`);
      }
      const config = { ...base, pruners: prunersOf(scope.opts, 'synflow,snip,grasp'), target, checks, train: trainOptionsFrom(scope.opts) };
      const results = await requireLibrary('experiments', ['sanity']).sanity(config, scope.hooks);
      await finish(scope, 'sanity', base.outDir, results, sanitySummary(results));
    }),
  );
}

/** `pai experiment <kind>`: the paper experiments over grids of pruners x compressions x seeds. */
export function experimentCommand(ctx: CommandContext): Command {
  const cmd = new Command('experiment').description('run a paper experiment: ' + Object.keys(EXPERIMENTS).join(', '));
  for (const make of [singleshot, multishot, collapse, conservation, sanity]) cmd.addCommand(make(ctx));
  return withExamples(cmd, [
    ['pai experiment collapse -m conv --compressions 0:6:0.5', 'where does each pruner empty a layer?'],
    ['pai experiment singleshot --help', 'the options of one experiment'],
  ]);
}
