// CPU feature dispatch: the detected path matches the CPU's flags, every supported path can
// be chosen (setIsa, PAI_ISA), and an unsupported one is refused with a RangeError.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { loadNative } from '../../lib/backend/native-loader';

const { addon, error, path: addonPath } = loadNative();
if (!addon) throw new Error(`the CPU addon did not load: ${error}`);
const cpu = addon;

/** Name and message of what fn throws: native errors come from Node's main realm, so
 * jest's toThrow(RangeError) (another realm's class) cannot check them. */
function thrown(fn: () => unknown): { name: string; message: string } | null {
  try {
    fn();
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  return null;
}

const ORDER = ['baseline', 'avx2', 'avx512'] as const;
const initial = cpu.info();

/** The best path by /proc/cpuinfo flags (the kernel only lists what the OS enables). */
function expectedIsa(): string | null {
  let text: string;
  try {
    text = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
  const line = /^flags\s*:(.*)$/m.exec(text);
  if (!line) return null;
  const flags = new Set(line[1].trim().split(/\s+/));
  if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f))) return 'avx512';
  if (flags.has('avx2') && flags.has('fma')) return 'avx2';
  return 'baseline';
}

/** info() of the addon in a fresh process with extra environment variables. */
function childInfo(env: Record<string, string>): { isa: string; detectedIsa: string; threads: number } {
  const r = spawnSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(addonPath)}).info()))`], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

afterAll(() => cpu.setIsa(initial.isa));

test('info() reports the active and detected paths and the pool size', () => {
  expect(ORDER).toContain(initial.isa);
  expect(ORDER).toContain(initial.detectedIsa);
  expect(ORDER.indexOf(initial.isa)).toBeLessThanOrEqual(ORDER.indexOf(initial.detectedIsa));
  expect(Number.isInteger(initial.threads) && initial.threads >= 1).toBe(true);
});

test('cpuid + xgetbv agree with the flags the kernel reports', () => {
  const want = expectedIsa();
  if (want !== null) expect(initial.detectedIsa).toBe(want);
});

test('every supported path can be selected, and nothing above it', () => {
  const best = ORDER.indexOf(initial.detectedIsa);
  for (let i = 0; i < ORDER.length; i++) {
    if (i <= best) {
      cpu.setIsa(ORDER[i]);
      expect(cpu.info().isa).toBe(ORDER[i]);
    } else {
      expect(thrown(() => cpu.setIsa(ORDER[i]))).toEqual({ name: 'RangeError', message: expect.stringMatching(/not supported by this CPU/) });
    }
  }
  expect(thrown(() => cpu.setIsa('sse9' as never))).toEqual({
    name: 'RangeError',
    message: expect.stringMatching(/^setIsa: 'isa' must be 'baseline', 'avx2' or 'avx512'/),
  });
});

test('PAI_ISA lowers the path at load, and never raises it', () => {
  const best = ORDER.indexOf(initial.detectedIsa);
  for (let i = 0; i <= best; i++) expect(childInfo({ PAI_ISA: ORDER[i] }).isa).toBe(ORDER[i]);
  expect(childInfo({ PAI_ISA: 'avx512' }).isa).toBe(initial.detectedIsa);
  expect(childInfo({ PAI_ISA: 'nonsense' }).isa).toBe(initial.detectedIsa);
});
