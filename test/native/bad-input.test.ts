// Every binding function of the foundation families (runtime, Philox, GEMM) on wrong input:
// a TypeError or RangeError naming the function and the argument, and the process lives on.
import { loadNative } from '../../lib/backend/native-loader';

const { addon, error } = loadNative();
if (!addon) throw new Error(`the CPU addon did not load: ${error}`);
// Untyped on purpose: these calls break the declared signatures.
const cpu = addon as unknown as Record<string, (...args: any[]) => any>;

/** Name and message of what fn throws (native errors come from Node's main realm, so
 * jest's toThrow(Class) cannot compare their classes). */
function thrown(fn: () => unknown): { name: string; message: string } | null {
  try {
    fn();
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  return null;
}

function expectError(fn: () => unknown, name: 'TypeError' | 'RangeError', pattern: RegExp): void {
  const e = thrown(fn);
  expect(e).not.toBeNull();
  expect(e).toEqual({ name, message: expect.stringMatching(pattern) });
}

const f32 = (n: number) => new Float32Array(n).fill(0.5);

/** A valid sgemm argument list for m x n x k, no transposes; `over` replaces entries. */
function sgemmArgs(over: Record<number, unknown> = {}, m = 3, n = 4, k = 5): unknown[] {
  const args: unknown[] = [false, false, m, n, k, 1, f32(m * k), k, f32(k * n), n, 0, f32(m * n), n, null, null];
  for (const [i, v] of Object.entries(over)) args[Number(i)] = v;
  return args;
}
const sgemm = (args: unknown[]) => () => cpu.sgemm(...args);

describe('argument counts', () => {
  const arity: [string, number][] = [
    ['info', 0], ['setIsa', 1], ['setNumThreads', 1], ['philoxUniform', 4], ['philoxNormal', 6], ['sgemm', 15], ['fmaPeak', 1], ['addressMod64', 1],
  ];
  test.each(arity)('%s takes exactly %i arguments', (fn, count) => {
    const call = (n: number) => () => cpu[fn](...new Array(n).fill(0));
    expectError(call(count + 1), 'TypeError', new RegExp(`^${fn}: expected ${count} arguments, got ${count + 1}$`));
    if (count > 0) expectError(call(count - 1), 'TypeError', new RegExp(`^${fn}: expected ${count} arguments, got ${count - 1}$`));
  });
});

describe('runtime', () => {
  test('setIsa and fmaPeak want a known ISA name', () => {
    expectError(() => cpu.setIsa(2), 'TypeError', /^setIsa: argument 0 'isa' must be a string/);
    expectError(() => cpu.setIsa('AVX512'), 'RangeError', /^setIsa: 'isa' must be 'baseline', 'avx2' or 'avx512', got 'AVX512'/);
    expectError(() => cpu.fmaPeak(null), 'TypeError', /^fmaPeak: argument 0 'isa' must be a string/);
    expectError(() => cpu.fmaPeak('neon'), 'RangeError', /^fmaPeak: 'isa' must be/);
  });

  test('addressMod64 wants an ArrayBuffer', () => {
    expectError(() => cpu.addressMod64(new Float32Array(4)), 'TypeError', /^addressMod64: argument 0 'buffer' must be an ArrayBuffer/);
    expectError(() => cpu.addressMod64(null), 'TypeError', /^addressMod64: argument 0 'buffer' must be an ArrayBuffer/);
  });

  test('setNumThreads wants an integer in [1, 1024]', () => {
    const before = cpu.info().threads;
    expectError(() => cpu.setNumThreads('2'), 'TypeError', /^setNumThreads: argument 0 'threads' must be a number/);
    expectError(() => cpu.setNumThreads(NaN), 'TypeError', /^setNumThreads: argument 0 'threads' must be an integer/);
    expectError(() => cpu.setNumThreads(-3), 'RangeError', /^setNumThreads: 'threads' must be in \[1, 1024\], got -3/);
    expect(cpu.info().threads).toBe(before);
  });
});

describe('philox', () => {
  test('seed halves are uint32', () => {
    expectError(() => cpu.philoxUniform(-1, 0, 0, f32(4)), 'RangeError', /^philoxUniform: 'seedLo' must be in \[0, 4294967295\]/);
    expectError(() => cpu.philoxUniform(0, 2 ** 32, 0, f32(4)), 'RangeError', /^philoxUniform: 'seedHi' must be in/);
    expectError(() => cpu.philoxNormal(0.5, 0, 0, 0, 1, f32(4)), 'TypeError', /^philoxNormal: argument 0 'seedLo' must be an integer/);
    expectError(() => cpu.philoxNormal(1n, 0, 0, 0, 1, f32(4)), 'TypeError', /^philoxNormal: argument 0 'seedLo' must be a number/);
  });

  test('offset is an integer and offset + length stays below 2^53', () => {
    expectError(() => cpu.philoxUniform(0, 0, -1, f32(4)), 'RangeError', /^philoxUniform: 'offset' must be in \[0, 9007199254740991\]/);
    expectError(() => cpu.philoxUniform(0, 0, Infinity, f32(4)), 'TypeError', /^philoxUniform: argument 2 'offset' must be an integer/);
    expectError(() => cpu.philoxUniform(0, 0, 2 ** 53 - 2, f32(4)), 'RangeError', /^philoxUniform: 'offset' plus the output length must stay below 2\^53/);
  });

  test('out is a Float32Array; mean and std are numbers', () => {
    expectError(() => cpu.philoxUniform(0, 0, 0, new Float64Array(4)), 'TypeError', /^philoxUniform: argument 3 'out' must be a Float32Array/);
    expectError(() => cpu.philoxUniform(0, 0, 0, [0, 0]), 'TypeError', /^philoxUniform: argument 3 'out' must be a Float32Array/);
    expectError(() => cpu.philoxNormal(0, 0, 0, 0, 1, null), 'TypeError', /^philoxNormal: argument 5 'out' must be a Float32Array/);
    expectError(() => cpu.philoxNormal(0, 0, 0, '0', 1, f32(4)), 'TypeError', /^philoxNormal: argument 3 'mean' must be a number/);
    expectError(() => cpu.philoxNormal(0, 0, 0, 0, undefined, f32(4)), 'TypeError', /^philoxNormal: argument 4 'std' must be a number/);
  });
});

describe('sgemm', () => {
  test('flags are booleans and sizes are non-negative integers', () => {
    expectError(sgemm(sgemmArgs({ 0: 0 })), 'TypeError', /^sgemm: argument 0 'transA' must be a boolean/);
    expectError(sgemm(sgemmArgs({ 1: 'no' })), 'TypeError', /^sgemm: argument 1 'transB' must be a boolean/);
    expectError(sgemm(sgemmArgs({ 2: -1 })), 'RangeError', /^sgemm: 'm' must be in \[0, 2147483648\], got -1/);
    expectError(sgemm(sgemmArgs({ 3: 2.5 })), 'TypeError', /^sgemm: argument 3 'n' must be an integer/);
    expectError(sgemm(sgemmArgs({ 4: 2 ** 40 })), 'RangeError', /^sgemm: 'k' must be in/);
    expectError(sgemm(sgemmArgs({ 5: '1' })), 'TypeError', /^sgemm: argument 5 'alpha' must be a number/);
    expectError(sgemm(sgemmArgs({ 10: null })), 'TypeError', /^sgemm: argument 10 'beta' must be a number/);
  });

  test('leading dimensions cover a row of the stored matrix', () => {
    expectError(sgemm(sgemmArgs({ 7: 4 })), 'RangeError', /^sgemm: 'lda' must be in \[5, /);
    expectError(sgemm(sgemmArgs({ 9: 0 })), 'RangeError', /^sgemm: 'ldb' must be in \[4, /);
    expectError(sgemm(sgemmArgs({ 12: 3 })), 'RangeError', /^sgemm: 'ldc' must be in \[4, /);
    // Transposed A is stored k x m, so lda >= m.
    expectError(sgemm(sgemmArgs({ 0: true, 7: 2 })), 'RangeError', /^sgemm: 'lda' must be in \[3, /);
  });

  test('buffers are Float32Arrays long enough for their shapes', () => {
    expectError(sgemm(sgemmArgs({ 6: new Float64Array(15) })), 'TypeError', /^sgemm: argument 6 'a' must be a Float32Array/);
    expectError(sgemm(sgemmArgs({ 6: f32(14) })), 'RangeError', /^sgemm: 'a' has 14 elements, needs at least 15/);
    expectError(sgemm(sgemmArgs({ 8: f32(19) })), 'RangeError', /^sgemm: 'b' has 19 elements, needs at least 20/);
    expectError(sgemm(sgemmArgs({ 11: f32(11) })), 'RangeError', /^sgemm: 'c' has 11 elements, needs at least 12/);
    expectError(sgemm(sgemmArgs({ 11: new Int32Array(12) })), 'TypeError', /^sgemm: argument 11 'c' must be a Float32Array/);
    expectError(sgemm(sgemmArgs({ 13: f32(3) })), 'RangeError', /^sgemm: 'aMask' has 3 elements, needs at least 15/);
    expectError(sgemm(sgemmArgs({ 14: [1, 1] })), 'TypeError', /^sgemm: argument 14 'bMask' must be a Float32Array/);
    // Padded rows: the last row needs only its own columns.
    expectError(sgemm(sgemmArgs({ 7: 8, 6: f32(2 * 8 + 4) })), 'RangeError', /^sgemm: 'a' has 20 elements, needs at least 21/);
  });

  test('the output may not alias an input', () => {
    const shared = f32(64);
    expectError(sgemm(sgemmArgs({ 6: shared.subarray(0, 15), 11: shared.subarray(10, 22) })), 'RangeError', /^sgemm: 'c' overlaps 'a'/);
    expectError(sgemm(sgemmArgs({ 8: shared.subarray(30, 50), 11: shared.subarray(40, 52) })), 'RangeError', /^sgemm: 'c' overlaps 'b'/);
  });

  test('after all of that, the process still computes correctly', () => {
    const c = new Float32Array(4);
    cpu.sgemm(false, false, 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), 2, new Float32Array([5, 6, 7, 8]), 2, 0, c, 2, null, null);
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
    const u = new Float32Array(3);
    cpu.philoxUniform(0, 0, 0, u);
    expect(u.every((x) => x > 0 && x < 1)).toBe(true);
  });
});
