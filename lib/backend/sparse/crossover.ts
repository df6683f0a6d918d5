/**
 * The automatic choice between dense-masked and compressed execution of a pruned layer:
 * below the crossover density measured for its shape on this machine (cached on disk,
 * keyed by a machine fingerprint; a GPU's entries also by the GPU), the compressed kernels run.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomicSync } from '../../io/atomic-write';
import type { Device } from '../backend';
import { cudaFingerprint } from '../cuda/calibrate';
import { addonStamp, loadNative } from '../native-loader';
import { packageRoot } from '../package-root';
import { calibrateLayer, layerShapeKey, type Calibration, type SparseLayerShape } from './calibrate';
import { sparseNative } from './native';

/** How a pruned layer executes: chosen by the measured crossover, or forced. */
export type SparseMode = 'auto' | 'dense' | 'compressed';

/** Crossover used when nothing was measured (no native kernels, or calibration disabled). */
export const DEFAULT_CROSSOVER_DENSITY = 0.1;

/** A cached calibration. */
export interface CrossoverEntry extends Calibration {
  key: string;
  measuredAt: string;
}

/** Bumped when calibration changes what it measures (2: the walk goes above 50% density). */
const CACHE_VERSION = 2;

interface CacheFile {
  version: typeof CACHE_VERSION;
  machine: string;
  entries: Record<string, CrossoverEntry>;
}

/** Where calibrations are cached: $PAI_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache, under prune-at-init/. */
export function crossoverCacheFile(): string {
  const dir =
    process.env.PAI_CACHE_DIR ??
    path.join(process.env.XDG_CACHE_HOME ?? (os.homedir() ? path.join(os.homedir(), '.cache') : os.tmpdir()), 'prune-at-init');
  return path.join(dir, 'sparse-crossover.json');
}

/** What the measurements depend on: CPU, thread count, ISA path, library version and addon build. */
export function machineFingerprint(): string {
  const load = loadNative();
  const info = load.addon ? load.addon.info() : null;
  let version = '?';
  try {
    version = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version;
  } catch {
    /* unknown version: still a valid key */
  }
  const build = load.path ? `addon ${addonStamp(load.path)}` : 'no addon';
  return [os.cpus()[0]?.model ?? 'cpu', info ? `${info.isa} x${info.threads}` : 'reference', `v${version}`, build].join(' | ');
}

let memo: CacheFile | null = null;

function readCache(): CacheFile {
  const machine = machineFingerprint();
  if (memo && memo.machine === machine) return memo;
  let file: CacheFile = { version: CACHE_VERSION, machine, entries: {} };
  try {
    const parsed = JSON.parse(fs.readFileSync(crossoverCacheFile(), 'utf8')) as CacheFile;
    if (parsed.version === CACHE_VERSION && parsed.machine === machine && parsed.entries) file = parsed;
  } catch {
    /* no cache yet, or unreadable: measure again */
  }
  return (memo = file);
}

function writeCache(c: CacheFile): void {
  try {
    const f = crossoverCacheFile();
    fs.mkdirSync(path.dirname(f), { recursive: true });
    writeFileAtomicSync(f, Buffer.from(JSON.stringify(c, null, 2) + '\n'));
  } catch {
    /* a read-only home keeps the in-memory result for this process */
  }
}

/** Options of {@link crossoverDensity}. */
export interface CrossoverOptions {
  /** false: use the cache or the default density, never measure. */
  calibrate?: boolean;
  /** Where the layer runs (default 'cpu'); 'cuda' measures and caches the GPU's crossover. */
  device?: Device;
}

/**
 * The crossover density of a layer shape on the cpu (or the GPU): cached, else measured now
 * (a few seconds at most, once per machine and shape) unless `calibrate` is false, else the
 * default.
 */
export function crossoverDensity(shape: SparseLayerShape, opts: CrossoverOptions = {}): number {
  const gpu = opts.device === 'cuda' ? cudaFingerprint() : null;
  if (opts.device === 'cuda' && gpu === null) return DEFAULT_CROSSOVER_DENSITY;
  // The GPU's crossovers are its own entries: keyed by its name as well as the layer shape.
  const key = gpu ? `${gpu} | ${layerShapeKey(shape)}` : layerShapeKey(shape);
  const cache = readCache();
  const hit = cache.entries[key];
  if (hit) return hit.crossover;
  if (opts.calibrate === false || (!gpu && !sparseNative('sparseLinearForward'))) return DEFAULT_CROSSOVER_DENSITY;
  const cal = calibrateLayer(shape, { device: opts.device });
  if (!cal) return DEFAULT_CROSSOVER_DENSITY;
  cache.entries[key] = { key, measuredAt: new Date().toISOString(), ...cal };
  writeCache(cache);
  return cal.crossover;
}

/**
 * The execution mode of a pruned layer with `density` of its weights kept (a fraction in
 * [0, 1]): 'dense' and 'compressed' are returned as given; 'auto' compares the density
 * with the layer's measured crossover.
 * @example resolveSparseMode('auto', 0.01, { kind: 'linear', inFeatures: 4096, outFeatures: 4096 }) // 'compressed'
 */
export function resolveSparseMode(mode: SparseMode, density: number, shape: SparseLayerShape, opts: CrossoverOptions = {}): 'dense' | 'compressed' {
  if (mode === 'dense' || mode === 'compressed') return mode;
  if (mode !== 'auto') throw new RangeError(`sparse: mode must be 'auto', 'dense' or 'compressed', got '${mode as string}'`);
  if (!(density >= 0 && density <= 1)) throw new RangeError(`sparse: density must be in [0, 1], got ${density}`);
  return density < crossoverDensity(shape, opts) ? 'compressed' : 'dense';
}

/**
 * Reference shapes `pai info` reports when nothing else was measured: a 1024x1024 linear and
 * a mid-network VGG conv (small enough to calibrate in a second or two).
 */
export const REFERENCE_SHAPES: SparseLayerShape[] = [
  { kind: 'linear', inFeatures: 1024, outFeatures: 1024 },
  { kind: 'conv2d', c: 128, h: 8, w: 8, o: 128, kh: 3, kw: 3, padding: [1, 1] },
];

/** What `pai info` shows about sparse execution. */
export interface CrossoverInfo {
  cacheFile: string;
  machine: string;
  defaultDensity: number;
  /** Cached crossovers, one per layer shape measured on this machine. */
  layers: { key: string; crossover: number; batch: number; measuredAt: string }[];
}

/**
 * The crossover densities known on this machine; with `measure`, the reference shapes are
 * calibrated first when not cached (seconds, once).
 */
export function sparseCrossoverInfo(opts: { measure?: boolean } = {}): CrossoverInfo {
  if (opts.measure) for (const s of REFERENCE_SHAPES) crossoverDensity(s);
  const c = readCache();
  return {
    cacheFile: crossoverCacheFile(),
    machine: c.machine,
    defaultDensity: DEFAULT_CROSSOVER_DENSITY,
    layers: Object.values(c.entries).map(({ key, crossover, batch, measuredAt }) => ({ key, crossover, batch, measuredAt })),
  };
}

/**
 * Forgets the in-memory copy of the cache (the next lookup reads the file again) and, with
 * `disk`, deletes the file too, so that the next 'auto' choice measures again.
 */
export function clearCrossoverCache(opts: { disk?: boolean } = {}): void {
  memo = null;
  if (!opts.disk) return;
  try {
    fs.unlinkSync(crossoverCacheFile());
  } catch {
    /* nothing cached */
  }
}

/**
 * The summary `pai info` prints: each measured layer shape with its crossover density
 * (compressed below it), measuring the reference shapes first when nothing is cached.
 */
export function sparseCrossover(): { machine: string; cacheFile: string; defaultDensity: number; crossover: Record<string, number> } {
  let info = sparseCrossoverInfo();
  // The cpu's reference shapes are measured when no cpu shape is cached (GPU entries aside).
  if (!info.layers.some((l) => !l.key.startsWith('cuda ')) && sparseNative('sparseLinearForward')) info = sparseCrossoverInfo({ measure: true });
  const crossover: Record<string, number> = {};
  for (const l of info.layers) crossover[l.key] = Number(l.crossover.toPrecision(3));
  return { machine: info.machine, cacheFile: info.cacheFile, defaultDensity: info.defaultDensity, crossover };
}
