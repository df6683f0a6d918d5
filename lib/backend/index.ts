import * as path from 'path';
import type { Backend, BackendName } from './backend';
import { ReferenceBackend } from './reference';
import { CpuBackend } from './cpu';
import { loadNative } from './native-loader';

export type { Backend, BackendName, DType, Device, Storage, IndexStorage, HostArray, UnaryOp, BinaryOp, Conv2dGeometry, Pool2dGeometry } from './backend';
export type { OptimizerKernelSet, SgdStepConfig, AdamStepConfig } from './optimizer';

const instances = new Map<BackendName, Backend>();
const factories = new Map<BackendName, () => Backend>([
  ['reference', () => new ReferenceBackend()],
  [
    'cpu',
    () => {
      const { addon, error } = loadNative();
      if (!addon) throw new Error(`setBackend('cpu'): ${error}`);
      return new CpuBackend(addon);
    },
  ],
  [
    'cuda',
    () => {
      // The CUDA backend ships in lib/backend/cuda/ (its own addon); loaded only on request.
      let mod: { createCudaBackend?: () => Backend };
      try {
        mod = require(path.join(__dirname, 'cuda'));
      } catch (e) {
        throw new Error(`setBackend('cuda'): the CUDA backend is not available (${(e as Error).message.split('\n')[0]}). Fix: use a build with CUDA support, or PAI_BACKEND=cpu.`);
      }
      if (typeof mod.createCudaBackend !== 'function') throw new Error(`setBackend('cuda'): lib/backend/cuda does not export createCudaBackend()`);
      return mod.createCudaBackend();
    },
  ],
]);

let current: Backend | null = null;
let warned = false;

/** Registers (or replaces) how a backend is created, e.g. a CUDA backend from another module. */
export function registerBackend(name: BackendName, factory: () => Backend): void {
  factories.set(name, factory);
  instances.delete(name);
}

/** The backend instance of that name, created on first use; throws naming the cause and fix. */
export function backendByName(name: BackendName): Backend {
  let b = instances.get(name);
  if (b) return b;
  const factory = factories.get(name);
  if (!factory) throw new RangeError(`setBackend: unknown backend '${name}'. Fix: use 'reference', 'cpu' or 'cuda'.`);
  b = factory();
  instances.set(name, b);
  return b;
}

/** The backends instantiated so far. */
export function createdBackends(): Backend[] {
  return [...instances.values()];
}

/** Whether a backend can be created here (the cpu addon loads, a CUDA device exists). */
export function isBackendAvailable(name: BackendName): boolean {
  try {
    backendByName(name);
    return true;
  } catch {
    return false;
  }
}

function defaultBackend(): Backend {
  const env = process.env.PAI_BACKEND;
  if (env) {
    if (env !== 'reference' && env !== 'cpu' && env !== 'cuda') {
      throw new RangeError(`PAI_BACKEND='${env}' is not a backend. Fix: set PAI_BACKEND to reference, cpu or cuda.`);
    }
    return backendByName(env);
  }
  const { addon, error } = loadNative();
  if (addon) return backendByName('cpu');
  if (!warned) {
    warned = true;
    process.emitWarning(`prune-at-init runs on the slow pure-TypeScript 'reference' backend: ${error}`, { code: 'PAI_NO_NATIVE' });
  }
  return backendByName('reference');
}

/** The backend new tensors are created on: setBackend's choice, else PAI_BACKEND, else cpu when the addon loads, else reference. */
export function getBackend(): Backend {
  return current ?? (current = defaultBackend());
}

/** The backend for host (cpu device) tensors: the current one if it is on the cpu, else cpu, else reference. */
export function hostBackend(): Backend {
  const b = getBackend();
  if (b.device === 'cpu') return b;
  return isBackendAvailable('cpu') ? backendByName('cpu') : backendByName('reference');
}

/** Selects the backend for new tensors; throws with the cause and fix if it cannot be created. */
export function setBackend(name: BackendName): Backend {
  current = backendByName(name);
  return current;
}

/** What is running: backend name, device, and the native addon's path, ISA and threads (or why it did not load). */
export function backendInfo(): {
  backend: BackendName;
  device: string;
  nativePath: string | null;
  nativeError: string | null;
  isa: string | null;
  threads: number | null;
} {
  const b = getBackend();
  const native = loadNative();
  const info = native.addon ? native.addon.info() : null;
  return {
    backend: b.name,
    device: b.device,
    nativePath: native.path,
    nativeError: native.error,
    isa: info ? info.isa : null,
    threads: info ? info.threads : null,
  };
}
