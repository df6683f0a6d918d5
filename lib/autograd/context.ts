/** The op whose backward is running, so errors and anomaly reports can name it. */
let current: string | null = null;

/** @internal The op whose backward is running, or null. */
export function backwardContext(): string | null {
  return current;
}

/** @internal Sets the running backward's op name; returns the previous one. */
export function setBackwardContext(op: string | null): string | null {
  const prev = current;
  current = op;
  return prev;
}
