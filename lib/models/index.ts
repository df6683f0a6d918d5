export { createModel, modelNames } from './registry';
export type { ModelSpec, CreateModelOptions, ZooModel } from './registry';
export { initializeReference } from './init';
export { Vgg, VggConvBlock, VGG_PLANS } from './vgg';
export type { VggPlan } from './vgg';
export { ResNet, ResNetBlock } from './resnet';
export { fcModel, convModel } from './mlp';
export { LeNet300, LeNet5 } from './lenet';
