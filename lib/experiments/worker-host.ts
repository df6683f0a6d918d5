import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { getBackend } from '../backend';
import { packageRoot } from '../backend/package-root';
import type { RunHooks } from './config';
import type { ProgressEvent } from './progress';
import type { WorkerFunctionName } from './worker-functions';

/** Messages from the worker to its host. */
export type WorkerReply =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'result'; value: unknown }
  | { type: 'error'; error: { name: string; message: string; stack?: string; hint?: string } };

/** What the worker receives at start (workerData). */
export interface WorkerRequest {
  fn: WorkerFunctionName;
  args: unknown[];
  /** The host's backend, so the worker computes where the host would have. */
  backend: string;
}

/** How long an aborted worker may take to stop at its next step before it is terminated. */
const ABORT_GRACE_MS = 10_000;

/**
 * A worker thread on the compiled entry (dist/cjs) when this file is compiled, or on the
 * TypeScript entry through tsx's CommonJS hook when it runs from sources (jest, tsx).
 */
function startWorker(request: WorkerRequest): Worker {
  if (__filename.endsWith('.js')) return new Worker(path.join(__dirname, 'worker-entry.js'), { workerData: request });
  // Evaluated code would follow a host's --input-type=module; the bootstrap is CommonJS.
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
  return new Worker(tsBootstrap(), { eval: true, workerData: request, execArgv });
}

/** CommonJS code that registers tsx and loads the TypeScript worker entry. */
function tsBootstrap(): string {
  const entry = path.join(__dirname, 'worker-entry.ts');
  if (!fs.existsSync(entry)) throw new Error(`worker: ${entry} is missing`);
  let tsx: string;
  try {
    tsx = require.resolve('tsx/cjs/api', { paths: [packageRoot()] });
  } catch {
    throw new Error(`worker: running from the TypeScript sources (${entry}) needs the development dependency tsx. Fix: npm install, or run the compiled build (npm run build:ts)`);
  }
  return `require(${JSON.stringify(tsx)}).register();\nrequire(${JSON.stringify(entry)});`;
}

/** An Error rebuilt from a worker's report, keeping the name (DatasetError, AbortError...) and hint. */
function rebuildError(e: { name: string; message: string; stack?: string; hint?: string }): Error {
  const err = new Error(e.message) as Error & { hint?: string };
  err.name = e.name;
  if (e.hint !== undefined) err.hint = e.hint;
  if (e.stack) err.stack = `${e.stack}\n    --- in a worker thread ---`;
  return err;
}

/**
 * Runs library function `fn(...args, hooks)` in a fresh `worker_threads` worker and resolves
 * with its result. Progress events are relayed to `hooks.onProgress`; aborting
 * `hooks.signal` asks the worker to stop at its next step (the call rejects with an
 * AbortError) and terminates it if it does not within 10 s. The host's event loop stays
 * free throughout: arguments and results cross by structured clone.
 */
export async function runInWorker<T>(fn: WorkerFunctionName, args: unknown[], hooks: RunHooks = {}): Promise<T> {
  hooks.signal?.throwIfAborted();
  const worker = startWorker({ fn, args, backend: getBackend().name });
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let killer: NodeJS.Timeout | null = null;
    const finish = (fnSettle: () => void) => {
      if (settled) return;
      settled = true;
      hooks.signal?.removeEventListener('abort', onAbort);
      if (killer) clearTimeout(killer);
      void worker.terminate();
      fnSettle();
    };
    const onAbort = () => {
      worker.postMessage({ type: 'abort' });
      killer = setTimeout(() => {
        const reason = hooks.signal?.reason;
        finish(() => reject(reason instanceof Error ? reason : rebuildError({ name: 'AbortError', message: 'The operation was aborted' })));
      }, ABORT_GRACE_MS);
    };
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'progress') hooks.onProgress?.(m.event);
      else if (m.type === 'result') finish(() => resolve(m.value as T));
      else if (m.type === 'error') finish(() => reject(rebuildError(m.error)));
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`worker: the worker thread exited with code ${code} before answering`))));
  });
}
