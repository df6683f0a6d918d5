// The automatic dense / compressed choice: forced modes, the default without measurements,
// a real calibration on a small shape, and the on-disk cache keyed by machine.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CALIBRATION_START, calibrateLayer, layerShapeKey, measureCrossover } from '../../lib/backend/sparse/calibrate';
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
    expect(crossover).toBeLessThanOrEqual(1);
    expect(points[0].density).toBe(CALIBRATION_START);
    // The crossover lies between a point where each mode won (or at an end of the grid).
    const won = points.filter((p) => p.compressedMs < p.denseMs).map((p) => p.density);
    const lost = points.filter((p) => p.compressedMs >= p.denseMs).map((p) => p.density);
    if (won.length) expect(crossover).toBeGreaterThanOrEqual(Math.max(...won));
    if (lost.length) expect(crossover).toBeLessThanOrEqual(Math.min(...lost));
  }
});

describe('the calibration walk, on a model of the two costs', () => {
  // Dense-masked costs 10 ms at any density; compressed costs `slope` ms per unit density.
  const model = (slope: number) => {
    const asked: number[] = [];
    const timer = (d: number): [number, number] => {
      asked.push(d);
      return [10, slope * d];
    };
    return { timer, asked };
  };

  test.each([
    [100, 0.1], // compressed wins below 10%: walks sparser
    [20, 0.5], // wins from 50%: exactly the starting point
    [14, 10 / 14], // wins up to 71%: above the starting point, measured going denser
    [11, 10 / 11], // wins up to 91%
  ])('compressed at %p ms per unit density crosses at %p', (slope, expected) => {
    const { timer, asked } = model(slope);
    const cal = measureCrossover(timer, 7);
    expect(cal.batch).toBe(7);
    expect(asked[0]).toBe(CALIBRATION_START);
    expect(cal.points.map((p) => p.density)).toEqual(asked);
    // Interpolation in log density of log cost ratios: exact for costs linear in density.
    expect(cal.crossover).toBeCloseTo(expected, 6);
  });

  test('compressed winning even at full density gives 1 (every pruned layer compressed)', () => {
    const { timer, asked } = model(5);
    const cal = measureCrossover(timer, 1);
    expect(cal.crossover).toBe(1);
    expect(asked).toEqual([0.5, 0.7, 1]);
  });

  test('compressed never winning gives 0 (every layer dense) after reaching the sparsest density', () => {
    const { timer, asked } = model(1e6);
    const cal = measureCrossover(timer, 1);
    expect(cal.crossover).toBe(0);
    expect(asked[asked.length - 1]).toBe(0.002);
    expect(Math.min(...asked)).toBe(0.002);
  });
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
