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

/** Candidate .node files in the order they are tried. */
function candidates(root: string): string[] {
  const out: string[] = [];
  if (process.env.PAI_ADDON_PATH) out.push(path.resolve(process.env.PAI_ADDON_PATH));
  out.push(path.join(root, 'build', 'Release', 'pai_cpu.node'));
  out.push(path.join(root, 'build-cmake', 'Release', 'pai_cpu.node'));
  const pre = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  if (fs.existsSync(pre)) {
    for (const f of fs.readdirSync(pre).sort()) if (f.endsWith('.node') && !f.includes('cuda')) out.push(path.join(pre, f));
  }
  return out;
}

/**
 * Loads the native CPU addon once: PAI_ADDON_PATH, then a local build, then the
 * prebuilt binary shipped in prebuilds/<platform>-<arch>/. Never throws.
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
    if (!fs.existsSync(file)) continue;
    try {
      const addon = require(file) as NativeAddon;
      return (cached = { addon, path: file, error: null });
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const why = errors.length
    ? `the native addon failed to load (${errors.join('; ')})`
    : `no native addon was found for ${process.platform}-${process.arch} (looked in build/Release and prebuilds/)`;
  return (cached = {
    addon: null,
    path: null,
    error:
      `${why}. Fix: install a release that ships prebuilds for your platform, or build from source ` +
      `with 'npm run build:native' (needs a C++17 compiler and Python 3).`,
  });
}
