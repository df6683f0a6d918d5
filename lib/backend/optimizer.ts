/**
 * Fused optimizer steps over one backend's storages, for a device backend: the parameters,
 * gradients, masks and optimizer state stay on the device, so a step moves no data between
 * host and device. The host backends need no set: their storages are the arena's arrays,
 * which lib/train/fused-step.ts updates directly.
 */
import type { Storage } from './backend';

/** Hyper-parameters of one SGD step, PyTorch semantics (`torch.optim.SGD`). */
export interface SgdStepConfig {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** True on the first step: the momentum buffer starts as a copy of the gradient, as in PyTorch. */
  firstStep: boolean;
}

/** Hyper-parameters of one Adam/AdamW step, PyTorch semantics (`torch.optim.Adam` / `AdamW`). */
export interface AdamStepConfig {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** false: L2 penalty added to the gradient (Adam); true: decoupled decay (AdamW). */
  decoupled: boolean;
  /** 1-based step count used for bias correction. */
  step: number;
}

/**
 * In-place steps over equal-length float32 storages, with the semantics of sgdStep/adamStep
 * in lib/train/fused-step.ts: where `mask` is 0, the weight and its state become exactly 0.
 */
export interface OptimizerKernelSet {
  sgdStep(param: Storage, grad: Storage, momentumBuf: Storage | null, mask: Storage | null, c: SgdStepConfig): void;
  adamStep(param: Storage, grad: Storage, m: Storage, v: Storage, mask: Storage | null, c: AdamStepConfig): void;
}
