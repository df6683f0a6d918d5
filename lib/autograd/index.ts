export { grad, backward } from './grad';
export type { GradOptions } from './grad';
export { noGrad, enableGrad, isGradEnabled, detectAnomaly, setDetectAnomaly, isAnomalyDetectionEnabled } from './grad-mode';
export type { GradNode } from './node';
