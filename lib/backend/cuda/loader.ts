import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from '../package-root';
import type { CudaAddon } from './addon';

/** Outcome of trying to load the CUDA addon (pai_cuda.node). */
export interface CudaLoad {
  addon: CudaAddon | null;
  /** The .node file loaded, or null. */
  path: string | null;
  /** Why CUDA is unusable (no build, no driver, no device), with the fix; null when usable. */
  error: string | null;
}

/** One visible GPU. */
export interface CudaDevice {
  index: number;
  name: string;
  /** Device memory in bytes (also as memoryBytes). */
  memory: number;
  memoryBytes: number;
  /** Compute capability "major.minor", e.g. "9.0" (also as capability). */
  computeCapability: string;
  capability: string;
  multiprocessors: number;
}

/** What `pai info` shows about CUDA. */
export interface CudaInfo {
  /** True when the addon loaded and at least one device is usable. */
  loaded: boolean;
  error: string | null;
  devices: CudaDevice[];
  /** The addon file, its CUDA runtime version (e.g. 13000) and whether it is the CPU emulator build. */
  path?: string | null;
  runtimeVersion?: number;
  emulated?: boolean;
}

let cached: CudaLoad | undefined;

/** Candidate .node files: PAI_CUDA_ADDON_PATH, local cmake-js builds, then the shipped prebuild. */
function candidates(root: string): string[] {
  const out: string[] = [];
  if (process.env.PAI_CUDA_ADDON_PATH) out.push(path.resolve(process.env.PAI_CUDA_ADDON_PATH));
  for (const dir of ['build-cmake', 'build-cuda', 'build']) out.push(path.join(root, dir, 'Release', 'pai_cuda.node'));
  out.push(path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'pai_cuda.node'));
  return out;
}

/**
 * Loads the CUDA addon once, only when CUDA is asked for. Never throws: a missing build,
 * a load failure, or a machine without driver or device is reported in `error`.
 */
export function loadCuda(): CudaLoad {
  if (cached) return cached;
  let root: string;
  try {
    root = packageRoot();
  } catch (e) {
    return (cached = { addon: null, path: null, error: (e as Error).message });
  }
  const failures: string[] = [];
  for (const file of candidates(root)) {
    if (!fs.existsSync(file)) continue;
    let addon: CudaAddon;
    try {
      addon = require(file) as CudaAddon;
    } catch (e) {
      failures.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    const info = addon.info();
    if (info.devices.length === 0) {
      return (cached = {
        addon,
        path: file,
        error: `CUDA is not available: ${info.error ?? 'no CUDA device'}; without a GPU, use the cpu backend (PAI_BACKEND=cpu)`,
      });
    }
    return (cached = { addon, path: file, error: null });
  }
  const why = failures.length
    ? `the CUDA addon failed to load (${failures.join('; ')})`
    : `this installation has no CUDA build (no pai_cuda.node for ${process.platform}-${process.arch})`;
  return (cached = {
    addon: null,
    path: null,
    error: `${why}. Fix: build it with 'npx cmake-js compile' on a machine with the CUDA toolkit (nvcc), or use the cpu backend.`,
  });
}

/** The CUDA addon with a usable device; throws an Error naming the cause and the fix otherwise. */
export function requireCuda(): CudaAddon {
  const { addon, error } = loadCuda();
  if (!addon || error) throw new Error(`prune-at-init: ${error ?? 'CUDA is not available'}`);
  return addon;
}

/** CUDA's state for `pai info`: { loaded, error, devices }; never throws. */
export function cudaInfo(): CudaInfo {
  const load = loadCuda();
  if (!load.addon) return { loaded: false, error: load.error, devices: [], path: null };
  try {
    const info = load.addon.info();
    const devices = info.devices.map((d, index) => ({
      index,
      name: d.name,
      memory: d.memory,
      memoryBytes: d.memory,
      computeCapability: d.computeCapability,
      capability: d.computeCapability,
      multiprocessors: d.multiprocessors,
    }));
    return {
      loaded: load.error === null,
      error: load.error,
      devices,
      path: load.path,
      runtimeVersion: info.runtimeVersion,
      emulated: info.emulated,
    };
  } catch (e) {
    return { loaded: false, error: (e as Error).message, devices: [], path: load.path };
  }
}

/** Forgets the cached load result (tests that change PAI_CUDA_ADDON_PATH). */
export function resetCudaLoader(): void {
  cached = undefined;
}
