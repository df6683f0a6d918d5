/** Whether ops record their backward on the tape (off inside noGrad and plain backward passes). */
let enabled = true;
let anomaly = false;

/** Whether operations currently record gradients. */
export function isGradEnabled(): boolean {
  return enabled;
}

/** @internal Sets grad mode, returning the previous value. */
export function setGradEnabled(flag: boolean): boolean {
  const prev = enabled;
  enabled = flag;
  return prev;
}

/** Runs fn without recording gradients (inference, optimizer steps, mask updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(false);
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Runs fn with gradient recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(true);
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Whether every op checks its output for NaN/Inf. */
export function isAnomalyDetectionEnabled(): boolean {
  return anomaly;
}

/** Turns NaN/Inf checking of every op's output on or off (slow: reads every output). */
export function setDetectAnomaly(flag: boolean): void {
  anomaly = flag;
}

/** Runs fn with NaN/Inf checking on: the first op that produces one throws, naming itself. */
export function detectAnomaly<T>(fn: () => T): T {
  const prev = anomaly;
  anomaly = true;
  try {
    return fn();
  } finally {
    anomaly = prev;
  }
}
