import type { Tensor } from './tensor';
import { createdBackends } from '../backend';

/**
 * Tensor lifetime: live counters and tidy scopes. A tidy scope disposes every tensor created
 * inside it that is neither returned nor kept, including intermediates saved for a backward
 * pass: call backward()/grad() inside the scope that ran the forward pass.
 */

let liveTensors = 0;
let liveBytes = 0;
const scopes: Tensor[][] = [];

/** @internal Counts a tensor created; registers it in the innermost tidy scope. */
export function trackTensor(t: Tensor): void {
  liveTensors++;
  if (scopes.length > 0) scopes[scopes.length - 1].push(t);
}

/** @internal Counts a tensor disposed. */
export function untrackTensor(): void {
  liveTensors--;
}

/** @internal Counts storage bytes allocated (positive) or freed (negative). */
export function noteBytes(delta: number): void {
  liveBytes += delta;
}

type Nested = Tensor | null | undefined | void | number | string | boolean | Nested[] | { [k: string]: unknown };

function collect(value: unknown, out: Set<Tensor>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if ((value as { __isTensor?: boolean }).__isTensor) {
    out.add(value as Tensor);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, out, depth + 1);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype || value instanceof Map) {
    const vals = value instanceof Map ? value.values() : Object.values(value as object);
    for (const v of vals) collect(v, out, depth + 1);
  }
}

/**
 * Runs fn and disposes every tensor it created except those in its result (tensors in
 * arrays, plain objects and Maps are found) and those passed to keep(). Scopes nest; a
 * returned tensor belongs to the enclosing scope. Async functions are not supported.
 */
export function tidy<T extends Nested | unknown>(fn: () => T): T {
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) if (!t.isKept) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    throw new TypeError('tidy: fn returned a Promise; tidy only works with synchronous functions (dispose tensors of async code yourself)');
  }
  const keepSet = new Set<Tensor>();
  collect(result, keepSet);
  const parent = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  for (const t of scope) {
    if (keepSet.has(t)) {
      if (parent) parent.push(t);
    } else if (!t.isKept) t.dispose();
  }
  return result;
}

/** Protects a tensor from every enclosing tidy scope (it is then disposed only by dispose()). */
export function keep<T extends Tensor>(t: T): T {
  t.markKept();
  return t;
}

/** Live tensors and bytes: `bytes` of live storages, `nativeBytes` held by backend allocators (live plus cache). */
export function memory(): { tensors: number; bytes: number; nativeBytes: number } {
  let nativeBytes = 0;
  for (const b of createdBackends()) nativeBytes += b.allocatedBytes();
  return { tensors: liveTensors, bytes: liveBytes, nativeBytes };
}
