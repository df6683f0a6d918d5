import * as fs from 'fs';
import * as path from 'path';
import { packageRoot } from './package-root';

/**
 * The raw CPU addon: functions registered by native/binding/*.cc. Each kernel family
 * declares the functions it uses in its own typed wrapper (lib/backend/cpu/*.ts).
 */
export type NativeAddon = Record<string, (...args: any[]) => any> & {
  info(): { isa: 'baseline' | 'avx2' | 'avx512'; detectedIsa: 'baseline' | 'avx2' | 'avx512'; threads: number };
  setIsa(isa: 'baseline' | 'avx2' | 'avx512'): void;
  setNumThreads(threads: number): void;
  /** Philox uniforms in (0, 1) at counter positions offset.. (native/BINDINGS.md). */
  philoxUniform(seedLo: number, seedHi: number, offset: number, out: Float32Array): void;
  /** mean + std * Philox normals at counter positions offset.. */
  philoxNormal(seedLo: number, seedHi: number, offset: number, mean: number, std: number, out: Float32Array): void;
  /** Row-major C = alpha op(A) op(B) + beta C; masks (or null) are multiplied into A / B. */
  sgemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number,
    c: Float32Array, ldc: number, aMask: Float32Array | null, bMask: Float32Array | null,
  ): void;
  /** Measured multiply-add throughput of an ISA path on all pool threads, GFLOP/s. */
  fmaPeak(isa: 'baseline' | 'avx2' | 'avx512'): number;
};

/** Outcome of trying to load the native CPU addon. */
export interface NativeLoad {
  addon: NativeAddon | null;
  /** Path of the loaded .node file, or null. */
  path: string | null;
  /** Why it did not load (null when it did). */
  error: string | null;
}

let cached: NativeLoad | undefined;

/**
 * Candidate .node files in the order they are tried: PAI_ADDON_PATH alone when set; else a
 * local build (node-gyp, then cmake-js), then the prebuilt binary that node-gyp-build picks
 * from prebuilds/<platform>-<arch>/ by its tags (napi, libc).
 */
function candidates(root: string): string[] {
  if (process.env.PAI_ADDON_PATH) return [path.resolve(process.env.PAI_ADDON_PATH)];
  const out = [path.join(root, 'build', 'Release', 'pai_cpu.node'), path.join(root, 'build-cmake', 'Release', 'pai_cpu.node')];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const prebuilt: string = require('node-gyp-build').resolve(root);
    // node-gyp-build picks by tags only, so it could return the CUDA addon shipped beside ours.
    if (!path.basename(prebuilt).includes('cuda') && !out.includes(prebuilt)) out.push(prebuilt);
  } catch {
    // No prebuild matches this platform: the error below lists what was looked for.
  }
  const pre = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  if (fs.existsSync(pre)) {
    for (const f of fs.readdirSync(pre).sort()) {
      const file = path.join(pre, f);
      if (f.endsWith('.node') && !f.includes('cuda') && !out.includes(file)) out.push(file);
    }
  }
  return out;
}

/**
 * Loads the native CPU addon once: PAI_ADDON_PATH, else a local build, else the prebuilt
 * binary shipped in prebuilds/<platform>-<arch>/. Never throws: on failure, `error` names
 * the cause and the fix.
 */
export function loadNative(): NativeLoad {
  if (cached) return cached;
  const errors: string[] = [];
  let root: string;
  try {
    root = packageRoot();
  } catch (e) {
    return (cached = { addon: null, path: null, error: (e as Error).message });
  }
  for (const file of candidates(root)) {
    if (!fs.existsSync(file)) {
      if (process.env.PAI_ADDON_PATH) errors.push(`${file}: no such file (from PAI_ADDON_PATH)`);
      continue;
    }
    try {
      const addon = require(file) as NativeAddon;
      return (cached = { addon, path: file, error: null });
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const why = errors.length
    ? `the native addon failed to load (${errors.join('; ')})`
    : `no native addon was found for ${process.platform}-${process.arch} (looked in build/Release, build-cmake/Release and prebuilds/${process.platform}-${process.arch}/)`;
  return (cached = {
    addon: null,
    path: null,
    error:
      `${why}. Fix: install a release that ships prebuilds for your platform, or build from source ` +
      `with 'npm run build:native' (needs a C++17 compiler and Python 3).`,
  });
}

/**
 * The identity of an addon build: its size and modification time. A rebuilt or reinstalled
 * addon may carry different kernels under the same library version, so its crossovers are
 * measured again rather than read from a cache that an older build wrote.
 */
export function addonStamp(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.size}@${Math.round(st.mtimeMs)}`;
  } catch {
    return '?';
  }
}
