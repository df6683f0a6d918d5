// The automatic dense / compressed choice: forced modes, the default without measurements,
// a real calibration on a small shape, and the on-disk cache keyed by machine.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { calibrateLayer, layerShapeKey } from '../../lib/backend/sparse/calibrate';
import { addonStamp, loadNative } from '../../lib/backend/native-loader';
import {
  clearCrossoverCache,
  crossoverCacheFile,
  crossoverDensity,
  DEFAULT_CROSSOVER_DENSITY,
  machineFingerprint,
  resolveSparseMode,
  sparseCrossover,
  sparseCrossoverInfo,
} from '../../lib/backend/sparse/crossover';

const linear = { kind: 'linear' as const, inFeatures: 96, outFeatures: 80 };
const conv = { kind: 'conv2d' as const, c: 8, h: 6, w: 6, o: 8, kh: 3, kw: 3, padding: [1, 1] as [number, number] };
let dir: string;
const savedEnv = process.env.PAI_CACHE_DIR;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pai-crossover-'));
  process.env.PAI_CACHE_DIR = dir;
  clearCrossoverCache();
});
afterAll(() => {
  if (savedEnv === undefined) delete process.env.PAI_CACHE_DIR;
  else process.env.PAI_CACHE_DIR = savedEnv;
  clearCrossoverCache();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('forced modes pass through; bad modes and densities throw', () => {
  expect(resolveSparseMode('dense', 0.001, linear)).toBe('dense');
  expect(resolveSparseMode('compressed', 1, linear)).toBe('compressed');
  expect(() => resolveSparseMode('sparse' as never, 0.5, linear)).toThrow(/'auto', 'dense' or 'compressed'/);
  expect(() => resolveSparseMode('auto', 1.5, linear, { calibrate: false })).toThrow(/density/);
  expect(resolveSparseMode('auto', DEFAULT_CROSSOVER_DENSITY / 2, linear, { calibrate: false })).toBe('compressed');
  expect(resolveSparseMode('auto', DEFAULT_CROSSOVER_DENSITY * 2, linear, { calibrate: false })).toBe('dense');
});

test('layer keys name the shape', () => {
  expect(layerShapeKey(linear)).toBe('linear 80x96');
  expect(layerShapeKey(conv)).toBe('conv2d 8x8x3x3 on 8x6x6 s1,1 p1,1 d1,1 g1');
});

test('calibration measures both modes and brackets the crossover', () => {
  for (const shape of [linear, conv]) {
    const cal = calibrateLayer(shape, { repeats: 1 });
    expect(cal).not.toBeNull();
    const { crossover, points } = cal!;
    expect(points.length).toBeGreaterThan(0);
    for (const p of points) expect(p.denseMs > 0 && p.compressedMs > 0).toBe(true);
    expect(crossover).toBeGreaterThanOrEqual(0);
    expect(crossover).toBeLessThanOrEqual(0.5);
    const last = points[points.length - 1];
    if (crossover > 0) {
      expect(last.compressedMs).toBeLessThan(last.denseMs);
      expect(crossover).toBeGreaterThanOrEqual(last.density);
    }
  }
});

test('crossovers are cached per machine and read back', () => {
  const d = crossoverDensity(linear);
  expect(fs.existsSync(crossoverCacheFile())).toBe(true);
  const file = JSON.parse(fs.readFileSync(crossoverCacheFile(), 'utf8'));
  expect(file.machine).toBe(machineFingerprint());
  expect(file.entries['linear 80x96'].crossover).toBe(d);
  // A planted value is what the next lookup returns: no second measurement.
  file.entries['linear 80x96'].crossover = 0.4242;
  fs.writeFileSync(crossoverCacheFile(), JSON.stringify(file));
  clearCrossoverCache();
  expect(crossoverDensity(linear)).toBe(0.4242);
  expect(resolveSparseMode('auto', 0.42, linear)).toBe('compressed');
  expect(resolveSparseMode('auto', 0.43, linear)).toBe('dense');
  const info = sparseCrossoverInfo();
  expect(info.cacheFile).toBe(path.join(dir, 'sparse-crossover.json'));
  expect(info.layers.map((l) => l.key)).toContain('linear 80x96');
  // Another machine's cache is ignored.
  fs.writeFileSync(crossoverCacheFile(), JSON.stringify({ ...file, machine: 'elsewhere' }));
  clearCrossoverCache();
  expect(crossoverDensity(linear, { calibrate: false })).toBe(DEFAULT_CROSSOVER_DENSITY);
  clearCrossoverCache({ disk: true });
  expect(fs.existsSync(crossoverCacheFile())).toBe(false);
});

test('the cache key names the addon build: a rebuilt addon is measured again', () => {
  const load = loadNative();
  if (load.path) expect(machineFingerprint()).toContain(`addon ${addonStamp(load.path)}`);
  else expect(machineFingerprint()).toContain('no addon');
  const f = path.join(dir, 'fake.node');
  fs.writeFileSync(f, 'one build');
  fs.utimesSync(f, 1_000_000, 1_000_000);
  const before = addonStamp(f);
  fs.writeFileSync(f, 'another build');
  fs.utimesSync(f, 1_000_000, 1_000_000);
  expect(addonStamp(f)).not.toBe(before); // size
  const sized = addonStamp(f);
  fs.utimesSync(f, 2_000_000, 2_000_000);
  expect(addonStamp(f)).not.toBe(sized); // modification time
  expect(addonStamp(path.join(dir, 'missing.node'))).toBe('?');
});

test('pai info\'s summary measures the reference shapes once, then reads the cache', () => {
  clearCrossoverCache({ disk: true });
  const first = sparseCrossover();
  const keys = Object.keys(first.crossover);
  expect(keys).toEqual(expect.arrayContaining(['linear 1024x1024', 'conv2d 128x128x3x3 on 128x8x8 s1,1 p1,1 d1,1 g1']));
  for (const k of keys) expect(first.crossover[k]).toBeGreaterThanOrEqual(0);
  expect(first.machine).toBe(machineFingerprint());
  const stamps = sparseCrossoverInfo().layers.map((l) => l.measuredAt);
  expect(sparseCrossover()).toEqual(first);
  expect(sparseCrossoverInfo().layers.map((l) => l.measuredAt)).toEqual(stamps); // cached: not measured again
});
