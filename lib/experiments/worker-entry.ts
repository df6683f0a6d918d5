/**
 * The entry of a worker thread started by runInWorker (worker-host.ts): runs one library
 * function with the request's arguments, relays progress, honours an abort message, and
 * answers with the result or the error.
 */
import { parentPort, workerData } from 'worker_threads';
import { setBackend, type BackendName } from '../backend';
import type { RunHooks } from './config';
import { WORKER_FUNCTIONS } from './worker-functions';
import type { WorkerReply, WorkerRequest } from './worker-host';

function errorReport(e: unknown): Extract<WorkerReply, { type: 'error' }>['error'] {
  if (e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e)) {
    const err = e as Error & { hint?: unknown };
    return { name: err.name ?? 'Error', message: String(err.message), stack: err.stack, ...(typeof err.hint === 'string' ? { hint: err.hint } : {}) };
  }
  return { name: 'Error', message: String(e) };
}

async function serve(port: NonNullable<typeof parentPort>, request: WorkerRequest): Promise<void> {
  const controller = new AbortController();
  port.on('message', (m: { type?: string }) => {
    if (m?.type === 'abort') controller.abort();
  });
  const post = (reply: WorkerReply) => port.postMessage(reply);
  try {
    setBackend(request.backend as BackendName);
    const fn = WORKER_FUNCTIONS[request.fn] as (...a: unknown[]) => Promise<unknown>;
    if (typeof fn !== 'function') throw new Error(`worker: unknown function '${String(request.fn)}'`);
    const hooks: RunHooks = { signal: controller.signal, onProgress: (event) => post({ type: 'progress', event }) };
    const value = await fn(...request.args, hooks);
    post({ type: 'result', value });
  } catch (e) {
    post({ type: 'error', error: errorReport(e) });
  }
}

if (parentPort) void serve(parentPort, workerData as WorkerRequest);
