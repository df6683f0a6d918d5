import { Command, Option } from 'commander';
import { integerAtLeast, integerList, numberIn, shape } from './option-parsers';
import { BACKENDS, DATASETS, LR_SCHEDULES, OPTIMIZERS, PRUNERS, SCHEDULES, SCOPES, SCORE_MODES, SPARSE_MODES } from './vocabulary';

/** --json and --quiet, which every command has. */
export function outputOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON document on stdout (human text and progress go to stderr)')
    .option('-q, --quiet', 'no progress or status lines');
}

/** Backend and threads: applied before the library loads (PAI_BACKEND, PAI_NUM_THREADS). */
export function runtimeOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--backend <name>', 'compute backend (default: cpu when the native addon loads, else reference)').choices([...BACKENDS]))
    .option('--threads <n>', 'CPU threads (default: all cores)', integerAtLeast(1));
}

/** Model and dataset. */
export function modelDataOptions(cmd: Command, opts: { modelRequired?: boolean; defaultModel?: string } = {}): Command {
  const model = new Option('-m, --model <name>', 'model: vgg11/13/16/19[-bn], resnet20/32/56/110, wide-resnet20/32, fc, conv, lenet300, lenet5');
  if (opts.defaultModel) model.default(opts.defaultModel);
  if (opts.modelRequired) model.makeOptionMandatory();
  return cmd
    .addOption(model)
    .addOption(new Option('-d, --dataset <name>', `dataset: ${Object.keys(DATASETS).join(', ')}`).default('mnist'))
    .option('--data-dir <dir>', 'directory (or .tar.gz for CIFAR) of the dataset files')
    .option('--download', 'download the dataset if missing (needs internet)')
    .option('--input-shape <CxHxW>', 'synthetic dataset: image shape, e.g. 3x32x32', shape)
    .option('--classes <n>', 'synthetic dataset: number of classes', integerAtLeast(2))
    .option('--synthetic-size <n>', 'synthetic dataset: samples per split', integerAtLeast(1));
}

/** --pruner NAME (add the target and the pruning details after it). */
export function prunerOption(cmd: Command): Command {
  return cmd.option('-p, --pruner <name>', `pruner: ${Object.keys(PRUNERS).join(', ')}`);
}

/** The three target words for one target. */
export function targetOptions(cmd: Command): Command {
  return cmd
    .option('-c, --compression <c>', 'target compression c >= 0: keep 10^-c of the prunable weights')
    .option('--density <d>', 'target density in (0, 1]: fraction of prunable weights kept')
    .option('--sparsity <s>', 'target sparsity in [0, 1): fraction of prunable weights removed');
}

/** The three target words for a grid of targets. */
export function targetGridOptions(cmd: Command, defaultCompressions: string): Command {
  return cmd
    .option('--compressions <list>', `compressions, "1,2,3" or start:stop:step (default ${defaultCompressions})`)
    .option('--densities <list>', 'densities in (0, 1], comma-separated')
    .option('--sparsities <list>', 'sparsities in [0, 1), comma-separated');
}

/** Everything about how a pruner runs, shared by prune, train and the experiments. */
export function pruningDetailOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--schedule <name>', 'how density falls over the iterations (default: exponential)').choices([...SCHEDULES]))
    .option('--iterations <n>', 'pruning iterations (default: 100 for synflow, 60 for force, else 1)', integerAtLeast(1))
    .addOption(new Option('--scope <name>', 'one global threshold, or each layer at the target (default: global)').choices([...SCOPES]))
    .option('--prune-bias', 'biases are prunable too')
    .option('--prune-batchnorm', 'batch-norm weights and biases are prunable too')
    .option('--prune-shortcut', 'residual 1x1 shortcut convolutions are prunable')
    .option('--no-prune-shortcut', 'residual 1x1 shortcut convolutions stay dense')
    .option('--dense-classifier', 'keep the final classifier layer dense')
    .addOption(new Option('--score-mode <mode>', 'BN/dropout mode while scoring (default: eval)').choices([...SCORE_MODES]))
    .option('--samples <n>', 'pruning-set size for data-dependent pruners (default: 10 x classes)', integerAtLeast(1))
    .option('--prune-batch-size <n>', 'batch size while scoring (default: 256)', integerAtLeast(1))
    .option('--force-batches <n>', 'force: batches per pruning step (default: 1)', integerAtLeast(1))
    .option('--gem-epochs <n>', 'gem-miner: epochs of score training', integerAtLeast(1))
    .option('--gem-lambda <x>', 'gem-miner: weight of the ||p||^2 regularizer', numberIn(0, null));
}

/** Training flags, shared by train, the experiments and demo. */
export function trainOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--optimizer <name>', 'optimizer (default: the reference for the model)').choices([...OPTIMIZERS]))
    .option('--lr <x>', 'initial learning rate', numberIn(0, null, { openMin: true }))
    .option('--momentum <x>', 'SGD momentum', numberIn(0, 1))
    .option('--nesterov', 'Nesterov momentum (SGD)')
    .option('--weight-decay <x>', 'L2 weight decay (decoupled for adamw)', numberIn(0, null))
    .addOption(new Option('--lr-schedule <name>', 'learning-rate schedule').choices([...LR_SCHEDULES]))
    .option('--milestones <list>', 'multistep: epochs at which the rate is multiplied by --lr-drop, e.g. 80,120', integerList(1))
    .option('--lr-drop <x>', 'multistep factor (default 0.1)', numberIn(0, 1, { openMin: true }))
    .option('--warmup <epochs>', 'linear warm-up epochs', integerAtLeast(0))
    .option('-e, --epochs <n>', 'training epochs', integerAtLeast(1))
    .option('-b, --batch-size <n>', 'training batch size', integerAtLeast(1))
    .option('--augment', 'CIFAR augmentation: random crop (pad 4) and horizontal flip')
    .option('--no-augment', 'no augmentation')
    .addOption(new Option('--sparse <mode>', 'sparse execution: auto picks per layer at the measured crossover').choices([...SPARSE_MODES]));
}

/** --seed for one run. */
export function seedOption(cmd: Command): Command {
  return cmd.option('-s, --seed <n>', 'random seed (weights, data order, random scores)', integerAtLeast(0), 0);
}

/** --seeds for a grid. */
export function seedsOption(cmd: Command): Command {
  return cmd.option('--seeds <list>', 'seeds, comma-separated or a range a:b', integerList(0), [0]);
}

/** --out DIR. */
export function outOption(cmd: Command, what: string): Command {
  return cmd.option('-o, --out <dir>', `output directory (${what})`);
}
