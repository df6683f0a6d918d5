// The native thread pool: sized to the CPUs this process may use, PAI_NUM_THREADS and
// setNumThreads override it, resizing under use is safe, and no OpenMP runtime is linked.
import { spawnSync } from 'child_process';
import * as os from 'os';
import { loadNative } from '../../lib/backend/native-loader';

const { addon, error, path: addonPath } = loadNative();
if (!addon) throw new Error(`the CPU addon did not load: ${error}`);
const cpu = addon;
const initial = cpu.info().threads;

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

function childThreads(env: Record<string, string>): number {
  const r = spawnSync(process.execPath, ['-e', `process.stdout.write(String(require(${JSON.stringify(addonPath)}).info().threads))`], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout);
}

afterAll(() => cpu.setNumThreads(initial));

test('the default pool has one thread per CPU available to the process', () => {
  const env = { ...process.env };
  delete env.PAI_NUM_THREADS;
  const r = spawnSync(process.execPath, ['-e', `process.stdout.write(String(require(${JSON.stringify(addonPath)}).info().threads))`], { env, encoding: 'utf8' });
  expect(Number(r.stdout)).toBe(os.availableParallelism());
});

test('PAI_NUM_THREADS sets the pool size at load', () => {
  expect(childThreads({ PAI_NUM_THREADS: '3' })).toBe(3);
  expect(childThreads({ PAI_NUM_THREADS: '1' })).toBe(1);
});

test('setNumThreads resizes the pool; results stay exact across many resizes', () => {
  const m = 67, n = 129, k = 301;
  const a = new Float32Array(m * k).map((_, i) => Math.sin(i)), b = new Float32Array(k * n).map((_, i) => Math.cos(i));
  const ref = new Float32Array(m * n);
  cpu.setNumThreads(1);
  cpu.sgemm(false, false, m, n, k, 1, a, k, b, n, 0, ref, n, null, null);
  for (const t of [2, 5, 1, 4, 3, 2, 8, 1, 2]) {
    cpu.setNumThreads(t);
    expect(cpu.info().threads).toBe(t);
    const c = new Float32Array(m * n);
    cpu.sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n, null, null);
    const u = new Float32Array(m * 40001);
    cpu.philoxUniform(1, 2, 3, u); // a second kernel family on the resized pool
    expect(Buffer.from(c.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
  }
});

test('back-to-back parallel jobs run every chunk exactly once (accumulating GEMMs)', () => {
  // A late worker once could claim a chunk of the next job: run twice, the accumulating
  // product below comes out wrong (and the early return let workers write freed memory).
  const deadline = Date.now() + 2000;
  let it = 0;
  try {
    while (Date.now() < deadline) {
      it++;
      // More threads than cores: workers get descheduled mid-claim, the case that went wrong.
      if (it % 40 === 0) cpu.setNumThreads(2 + (it / 40) % 7);
      const m = 1 + ((it * 131) % 500), n = 1 + ((it * 71) % 300), k = 1 + ((it * 53) % 200);
      const a = new Float32Array(m * k).fill(0.5), b = new Float32Array(k * n).fill(2), c = new Float32Array(m * n).fill(1);
      cpu.sgemm(false, false, m, n, k, 1, a, k, b, n, 1, c, n, null, null);
      let bad = 0;
      for (let i = 0; i < c.length; i++) if (c[i] !== k + 1) bad++;
      expect([it, m, n, k, bad]).toEqual([it, m, n, k, 0]);
    }
  } finally {
    cpu.setNumThreads(initial);
  }
});

test('setNumThreads rejects counts outside [1, 1024] and keeps the pool', () => {
  cpu.setNumThreads(initial);
  expect(thrown(() => cpu.setNumThreads(0))?.name).toBe('RangeError');
  expect(thrown(() => cpu.setNumThreads(2000))).toEqual({ name: 'RangeError', message: expect.stringMatching(/^setNumThreads: 'threads' must be in \[1, 1024\]/) });
  expect(thrown(() => cpu.setNumThreads(1.5))?.name).toBe('TypeError');
  expect(cpu.info().threads).toBe(initial);
});

test('the binary needs no OpenMP runtime and no shared libstdc++', () => {
  const r = spawnSync('ldd', [addonPath as string], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return; // no ldd here: nothing to inspect
  expect(r.stdout).not.toMatch(/libgomp|libiomp|libomp/);
  expect(r.stdout).not.toMatch(/libstdc\+\+/);
});
