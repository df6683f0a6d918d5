import { Module } from '../nn/module';
import { ParameterArena } from '../nn/arena';
import { Vgg, VGG_PLANS } from './vgg';
import { ResNet } from './resnet';
import { convModel, fcModel } from './mlp';
import { LeNet300, LeNet5 } from './lenet';
import { initializeReference } from './init';

/** What a model is built for; stored in checkpoints so a model can be rebuilt. */
export interface ModelSpec {
  /** Registry name, e.g. 'vgg16-bn'. */
  name: string;
  /** Input [channels, height, width] of one sample. */
  inputShape: [number, number, number];
  numClasses: number;
  /** Seed of the initialization (Philox). */
  seed: number;
}

/** Options of {@link createModel}. */
export interface CreateModelOptions {
  /** [channels, height, width]; default [3, 32, 32] (CIFAR). */
  inputShape?: readonly number[];
  /** Default 10. */
  numClasses?: number;
  /** Initialization seed, default 0. */
  seed?: number;
  /**
   * Run the reference initialization (default true). false leaves weights and biases 0 (batch
   * norm and identity scales 1): for loading weights from a file, where drawing them is wasted.
   */
  initialize?: boolean;
}

/** A model from the zoo: a Module with its parameter arena attached and the spec it was built from. */
export type ZooModel = Module & { readonly arena: ParameterArena; readonly spec: ModelSpec };

type Builder = (inputShape: [number, number, number], numClasses: number) => Module;

const BUILDERS = new Map<string, Builder>();
for (const depth of [11, 13, 16, 19] as const) {
  BUILDERS.set(`vgg${depth}`, (s, k) => new Vgg(VGG_PLANS[depth], false, s, k));
  BUILDERS.set(`vgg${depth}-bn`, (s, k) => new Vgg(VGG_PLANS[depth], true, s, k));
}
for (const depth of [20, 32, 44, 56, 110]) {
  BUILDERS.set(`resnet${depth}`, (s, k) => new ResNet(depth, 16, s, k));
  BUILDERS.set(`wide-resnet${depth}`, (s, k) => new ResNet(depth, 32, s, k));
}
BUILDERS.set('fc', (s, k) => fcModel(s, k));
BUILDERS.set('conv', (s, k) => convModel(s, k));
BUILDERS.set('lenet300', (s, k) => new LeNet300(s, k));
BUILDERS.set('lenet5', (s, k) => new LeNet5(s, k));

/** Names accepted by {@link createModel}, in a stable order. */
export function modelNames(): string[] {
  return [...BUILDERS.keys()];
}

/**
 * Builds a model of the zoo by name (the reference CIFAR "lottery" architectures of the
 * SynFlow code, plus LeNet-300-100 and LeNet-5), initializes it from `seed` and moves its
 * parameters into one arena. An unknown name throws and lists the known ones.
 */
export function createModel(name: string, opts: CreateModelOptions = {}): ZooModel {
  const build = BUILDERS.get(name);
  if (!build) throw new RangeError(`createModel: unknown model '${name}'. Known models: ${modelNames().join(', ')}`);
  const shape = opts.inputShape ?? [3, 32, 32];
  if (shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`createModel: inputShape must be [channels, height, width] of positive integers, got [${shape}]`);
  }
  const numClasses = opts.numClasses ?? 10;
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`createModel: numClasses must be a positive integer, got ${numClasses}`);
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`createModel: seed must be a non-negative safe integer, got ${seed}`);
  const inputShape = [shape[0], shape[1], shape[2]] as [number, number, number];
  const model = build(inputShape, numClasses);
  if (opts.initialize ?? true) initializeReference(model, seed);
  ParameterArena.attach(model);
  const spec: ModelSpec = { name, inputShape, numClasses, seed };
  Object.defineProperty(model, 'spec', { value: spec, enumerable: true });
  return model as ZooModel;
}
