import * as fs from 'fs';
import * as path from 'path';
import { getBackend } from './index';
import { loadNative } from './native-loader';
import { packageRoot } from './package-root';

/** One CUDA device as the CUDA loader reports it. */
export interface CudaDeviceInfo {
  index?: number;
  name?: string;
  /** Compute capability, e.g. "9.0". */
  capability?: string;
  /** Device memory in bytes. */
  memoryBytes?: number;
  [key: string]: unknown;
}

/** What `pai info` prints: the package version, the backend in use, and every backend's state. */
export interface BackendReport {
  /** prune-at-init's version (package.json). */
  version: string;
  /** The backend new tensors go to (PAI_BACKEND, else cpu when it loads, else reference). */
  backend: string | null;
  /** Why no backend could be chosen (e.g. PAI_BACKEND=cuda without a device); else absent. */
  backendError?: string;
  backends: {
    reference: { loaded: true };
    cpu: {
      loaded: boolean;
      /** The .node file loaded (a local build or prebuilds/<platform>-<arch>/). */
      path: string | null;
      /** Why it did not load, with the fix; null when loaded. */
      error: string | null;
      /** ISA path in use (PAI_ISA may lower it) and the best one the CPU supports. */
      isa: string | null;
      detectedIsa: string | null;
      /** Worker threads of the native pool (PAI_NUM_THREADS overrides). */
      threads: number | null;
    };
    cuda: { loaded: boolean; error: string | null; devices: CudaDeviceInfo[] };
  };
}

function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

function cudaReport(): BackendReport['backends']['cuda'] {
  let loader: { cudaInfo?: () => { loaded?: boolean; error?: string | null; devices?: CudaDeviceInfo[] } };
  try {
    loader = require(path.join(__dirname, 'cuda', 'loader'));
  } catch {
    return { loaded: false, error: 'no CUDA build', devices: [] };
  }
  if (typeof loader.cudaInfo !== 'function') return { loaded: false, error: 'no CUDA build', devices: [] };
  try {
    const r = loader.cudaInfo();
    return { loaded: Boolean(r.loaded), error: r.error ?? null, devices: r.devices ?? [] };
  } catch (e) {
    return { loaded: false, error: (e as Error).message, devices: [] };
  }
}

/** The state of every backend, for `pai info [--json]`; never throws. */
export function backendInfo(): BackendReport {
  const native = loadNative();
  const rt = native.addon ? native.addon.info() : null;
  const report: BackendReport = {
    version: packageVersion(),
    backend: null,
    backends: {
      reference: { loaded: true },
      cpu: {
        loaded: native.addon !== null,
        path: native.path,
        error: native.error,
        isa: rt ? rt.isa : null,
        detectedIsa: rt ? rt.detectedIsa : null,
        threads: rt ? rt.threads : null,
      },
      cuda: cudaReport(),
    },
  };
  try {
    report.backend = getBackend().name;
  } catch (e) {
    report.backendError = (e as Error).message;
  }
  return report;
}
