import * as fs from 'fs';
import * as path from 'path';
import { UserError } from './errors';
import type { DataChoice, PruneOptionsInput, TrainOptionsInput } from './library-api';
import { tryLibrary } from './library';
import { unknownNameHint } from './suggest';
import { DATASETS, DEFAULT_DATA_DIRS, FILE_DATASETS, PRUNERS } from './vocabulary';

/** Commander's parsed options of a command (camelCase keys). */
export type ParsedOptions = Record<string, unknown>;

function defined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Pruning options the user set (others left to the library's per-pruner defaults). */
export function pruneOptionsFrom(o: ParsedOptions): PruneOptionsInput {
  const prunable = defined({
    bias: o.pruneBias as boolean | undefined,
    batchnorm: o.pruneBatchnorm as boolean | undefined,
    shortcut: o.pruneShortcut as boolean | undefined,
    classifier: o.denseClassifier ? false : undefined,
  });
  const extra = defined({
    forceBatches: o.forceBatches as number | undefined,
    gemEpochs: o.gemEpochs as number | undefined,
    gemLambda: o.gemLambda as number | undefined,
  }) as Record<string, number>;
  return defined({
    schedule: o.schedule as PruneOptionsInput['schedule'],
    iterations: o.iterations as number | undefined,
    scope: o.scope as PruneOptionsInput['scope'],
    prunable: Object.keys(prunable).length ? prunable : undefined,
    scoreMode: o.scoreMode as PruneOptionsInput['scoreMode'],
    samples: o.samples as number | undefined,
    batchSize: o.pruneBatchSize as number | undefined,
    extra: Object.keys(extra).length ? extra : undefined,
  });
}

/** Training options the user set (others left to the library's defaults for the model). */
export function trainOptionsFrom(o: ParsedOptions): TrainOptionsInput {
  if (o.milestones !== undefined && o.lrSchedule !== undefined && o.lrSchedule !== 'multistep') {
    throw new UserError(`--milestones applies to --lr-schedule multistep, not ${String(o.lrSchedule)}`, 'drop --milestones or use --lr-schedule multistep');
  }
  if ((o.momentum !== undefined || o.nesterov) && o.optimizer !== undefined && o.optimizer !== 'sgd') {
    throw new UserError(`--momentum and --nesterov apply to --optimizer sgd, not ${String(o.optimizer)}`, 'for adam/adamw the betas are fixed at (0.9, 0.999)');
  }
  return defined({
    optimizer: o.optimizer as TrainOptionsInput['optimizer'],
    lr: o.lr as number | undefined,
    momentum: o.momentum as number | undefined,
    nesterov: o.nesterov as boolean | undefined,
    weightDecay: o.weightDecay as number | undefined,
    lrSchedule: (o.lrSchedule ?? (o.milestones !== undefined ? 'multistep' : undefined)) as TrainOptionsInput['lrSchedule'],
    milestones: o.milestones as number[] | undefined,
    lrDrop: o.lrDrop as number | undefined,
    warmupEpochs: o.warmup as number | undefined,
    epochs: o.epochs as number | undefined,
    batchSize: o.batchSize as number | undefined,
    augment: o.augment as boolean | undefined,
    sparse: o.sparse as TrainOptionsInput['sparse'],
  });
}

/** Known pruner names: the library registry when loaded, else the documented list. */
export function knownPruners(): string[] {
  const lib = tryLibrary('prune', ['prunerNames']);
  return lib ? lib.prunerNames() : Object.keys(PRUNERS);
}

/** Checks pruner names (UserError with a suggestion for an unknown one). */
export function checkPruners(names: readonly string[]): string[] {
  const known = knownPruners();
  for (const n of names) {
    if (!known.includes(n)) {
      const { message, hint } = unknownNameHint('pruner', n, known);
      throw new UserError(message, hint);
    }
  }
  return [...names];
}

/** Checks a model name against the registry when lib/models is loaded. */
export function checkModel(name: string | undefined, command: string): string {
  if (!name) throw new UserError(`pai ${command} needs --model`, 'e.g. --model lenet5 (run `pai info` for the model list)');
  const lib = tryLibrary('models', ['modelNames']);
  if (lib) {
    const known = lib.modelNames();
    if (!known.includes(name)) {
      const { message, hint } = unknownNameHint('model', name, known);
      throw new UserError(message, hint);
    }
  }
  return name;
}

/** The dataset choice, with its directory checked before any work starts. */
export function dataChoiceFrom(o: ParsedOptions, cwd: string): DataChoice {
  const name = String(o.dataset ?? 'mnist');
  const known = Object.keys(DATASETS);
  if (!known.includes(name)) {
    const { message, hint } = unknownNameHint('dataset', name, known);
    throw new UserError(message, hint);
  }
  const synthetic = name === 'synthetic';
  for (const [flag, key] of [['--input-shape', 'inputShape'], ['--classes', 'classes'], ['--synthetic-size', 'syntheticSize']] as const) {
    if (!synthetic && o[key] !== undefined) throw new UserError(`${flag} applies to --dataset synthetic only`, `${name} has its own shape and classes; drop ${flag}`);
  }
  if (o.dataDir !== undefined && !FILE_DATASETS.includes(name)) {
    throw new UserError(`--data-dir does not apply to --dataset ${name}`, `${name} needs no files; --data-dir is for ${FILE_DATASETS.join(', ')}`);
  }
  const choice: DataChoice = { name };
  if (synthetic) {
    choice.inputShape = (o.inputShape as number[] | undefined) ?? [3, 32, 32];
    choice.numClasses = (o.classes as number | undefined) ?? 10;
    if (o.syntheticSize !== undefined) choice.size = o.syntheticSize as number;
  }
  if (o.download) choice.download = true;
  if (FILE_DATASETS.includes(name)) {
    const given = o.dataDir as string | undefined;
    const dir = given !== undefined ? path.resolve(cwd, given) : DEFAULT_DATA_DIRS[name];
    if (dir === undefined && !o.download) {
      throw new UserError(`--dataset ${name} needs --data-dir`, `point --data-dir at the ${name} files (a directory${name.startsWith('cifar') ? ' or the .tar.gz' : ''}), or add --download where there is internet`);
    }
    if (dir !== undefined && !fs.existsSync(dir) && !o.download) {
      const install = name === 'fashion-mnist' ? 'install Debian\'s dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or ' : '';
      throw new UserError(`dataset directory not found: ${dir}`, `${install}give the directory with --data-dir DIR, or add --download`);
    }
    if (dir !== undefined) choice.dir = dir;
  }
  return choice;
}

/** Creates the output directory (and parents); a path that is a file or unwritable is a UserError. */
export function prepareOutDir(dir: string, cwd: string): string {
  const abs = path.resolve(cwd, dir);
  if (fs.existsSync(abs) && !fs.statSync(abs).isDirectory()) throw new UserError(`--out ${dir} is a file, not a directory`, 'choose a directory path for --out');
  try {
    fs.mkdirSync(abs, { recursive: true });
    fs.accessSync(abs, fs.constants.W_OK);
  } catch (e) {
    throw new UserError(`cannot write to ${abs}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'choose a writable --out directory');
  }
  return abs;
}
