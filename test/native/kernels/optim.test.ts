// Native fused SGD and Adam/AdamW steps against float64 loops with PyTorch semantics, over
// several steps (momentum buffers, bias correction), with and without masks, on every ISA
// path. Pruned entries must be exactly 0 afterwards, state included.
import { addon, expectClose, expectThrows, onEveryIsa, randomArray, randomMask } from './kernel-check';

interface Sgd { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean }
interface Adam { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean }

function sgdRef(p: Float64Array, g: ArrayLike<number>, buf: Float64Array, mask: Float32Array | null, c: Sgd, first: boolean): void {
  for (let i = 0; i < p.length; i++) {
    if (mask && mask[i] === 0) {
      p[i] = 0;
      buf[i] = 0;
      continue;
    }
    let d = g[i] + c.weightDecay * p[i];
    if (c.momentum !== 0) {
      buf[i] = first ? d : c.momentum * buf[i] + (1 - c.dampening) * d;
      d = c.nesterov ? d + c.momentum * buf[i] : buf[i];
    }
    p[i] -= c.lr * d;
  }
}

function adamRef(p: Float64Array, g: ArrayLike<number>, m: Float64Array, v: Float64Array, mask: Float32Array | null, c: Adam, step: number): void {
  const bc1 = 1 - c.beta1 ** step, bc2 = 1 - c.beta2 ** step;
  for (let i = 0; i < p.length; i++) {
    if (mask && mask[i] === 0) {
      p[i] = m[i] = v[i] = 0;
      continue;
    }
    const gi = g[i] + (c.decoupled ? 0 : c.weightDecay * p[i]);
    if (c.decoupled) p[i] *= 1 - c.lr * c.weightDecay;
    m[i] = c.beta1 * m[i] + (1 - c.beta1) * gi;
    v[i] = c.beta2 * v[i] + (1 - c.beta2) * gi * gi;
    p[i] -= (c.lr / bc1) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + c.eps);
  }
}

const sizes = [1, 7, 40009];
const sgdCases: Sgd[] = [
  { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
  { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: false },
  { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-4, nesterov: false },
  { lr: 0.01, momentum: 0.8, dampening: 0, weightDecay: 1e-3, nesterov: true },
];
const adamCases: Adam[] = [
  { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false },
  { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 1e-2, decoupled: false },
  { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 5e-2, decoupled: true },
];

function checkPruned(what: string, mask: Float32Array | null, ...arrays: Float32Array[]): void {
  if (!mask) return;
  for (const a of arrays) for (let i = 0; i < a.length; i++) if (mask[i] === 0 && !Object.is(a[i], 0)) throw new Error(`${what}: pruned entry ${i} is ${a[i]}`);
}

describe.each(sgdCases)('sgdStep %j', (c) => {
  test.each(sizes)('n = %d, dense and masked, three steps', (n) => {
    for (const masked of [false, true]) {
      const p0 = randomArray(n), mask = masked ? randomMask(n, 0.7) : null;
      const grads = [randomArray(n), randomArray(n), randomArray(n)];
      const p = Float64Array.from(p0), buf = new Float64Array(n);
      const want: Float64Array[] = [];
      grads.forEach((g, s) => {
        sgdRef(p, g, buf, mask, c, s === 0);
        want.push(Float64Array.from(p));
      });
      onEveryIsa((isa) => {
        const param = p0.slice(), mb = new Float32Array(n).fill(NaN);
        grads.forEach((g, s) => {
          addon.sgdStep(param, g, c.momentum !== 0 ? mb : null, mask, c.lr, c.momentum, c.dampening, c.weightDecay, c.nesterov, s === 0);
          expectClose(`${isa} sgd step ${s} masked=${masked}`, param, want[s], { rtol: 1e-5, atol: 1e-6 });
        });
        checkPruned(`${isa} sgd`, mask, param, ...(c.momentum !== 0 ? [mb] : []));
      });
    }
  });
});

describe.each(adamCases)('adamStep %j', (c) => {
  test.each(sizes)('n = %d, dense and masked, three steps', (n) => {
    for (const masked of [false, true]) {
      const p0 = randomArray(n), mask = masked ? randomMask(n, 0.7) : null;
      const grads = [randomArray(n), randomArray(n), randomArray(n)];
      const p = Float64Array.from(p0), m = new Float64Array(n), v = new Float64Array(n);
      const want: Float64Array[] = [];
      grads.forEach((g, s) => {
        adamRef(p, g, m, v, mask, c, s + 1);
        want.push(Float64Array.from(p));
      });
      onEveryIsa((isa) => {
        const param = p0.slice(), mm = new Float32Array(n), vv = new Float32Array(n);
        grads.forEach((g, s) => {
          addon.adamStep(param, g, mm, vv, mask, c.lr, c.beta1, c.beta2, c.eps, c.weightDecay, c.decoupled, s + 1);
          expectClose(`${isa} adam step ${s + 1} masked=${masked}`, param, want[s], { rtol: 1e-5, atol: 1e-6 });
        });
        checkPruned(`${isa} adam`, mask, param, mm, vv);
      });
    }
  });
});

describe('optimizer bad input', () => {
  test('named errors, process alive', () => {
    const p = randomArray(8), g = randomArray(8), b = new Float32Array(8);
    expectThrows(() => addon.sgdStep(p, g, b, null, 0.1, 0.9, 0, 0, false), 'TypeError', 'sgdStep', 'expected 10');
    expectThrows(() => addon.sgdStep(p, g.subarray(1), b, null, 0.1, 0.9, 0, 0, false, true), 'RangeError', "'grad'");
    expectThrows(() => addon.sgdStep(p, g, null, null, 0.1, 0.9, 0, 0, false, true), 'TypeError', "'momentumBuf'");
    expectThrows(() => addon.sgdStep(p, g, b, new Float32Array(3), 0.1, 0.9, 0, 0, false, true), 'RangeError', "'mask'");
    expectThrows(() => addon.sgdStep(p, g, b, null, NaN, 0.9, 0, 0, false, true), 'RangeError', "'lr'");
    expectThrows(() => addon.sgdStep(p, g, b, null, 0.1, 0.9, 0.5, 0, true, true), 'RangeError', "'nesterov'");
    expectThrows(() => addon.sgdStep(p, g, b, null, 0.1, 0.9, 0, 0, 1, true), 'TypeError', "'nesterov'");
    expectThrows(() => addon.adamStep(p, g, b, b.subarray(2), null, 0.1, 0.9, 0.999, 1e-8, 0, false, 1), 'RangeError', 'adamStep', "'v'");
    expectThrows(() => addon.adamStep(p, g, b, b, null, 0.1, 1, 0.999, 1e-8, 0, false, 1), 'RangeError', "'beta1'");
    expectThrows(() => addon.adamStep(p, g, b, b, null, 0.1, 0.9, 0.999, 1e-8, 0, false, 0), 'RangeError', "'step'");
    expectThrows(() => addon.adamStep(p, g, b, b, null, 0.1, 0.9, 0.999, 1e-8, 0, false, 1.5), 'TypeError', "'step'");
    const before = p[0];
    addon.sgdStep(p, g, null, null, 0.5, 0, 0, 0, false, true);
    expect(p[0]).toBeCloseTo(before - 0.5 * g[0], 6);
  });
});
