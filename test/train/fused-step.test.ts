import { adamStep, fusedStepImplementation, setFusedStepNative, sgdStep, type SgdStepConfig } from '../../lib/train/fused-step';
import { loadNative } from '../../lib/backend/native-loader';

// Expected values are PyTorch's update rules (torch.optim.SGD / Adam / AdamW docs) worked
// out by hand in float64 for one scalar parameter p = 1 and gradients 0.5, 0.25, -0.75.

const implementations: ['typescript' | 'native', boolean][] = [['typescript', false]];
if (typeof loadNative().addon?.sgdStep === 'function' && typeof loadNative().addon?.adamStep === 'function') {
  implementations.push(['native', true]);
}

afterAll(() => setFusedStepNative(true));

function sgdRun(cfg: Omit<SgdStepConfig, 'firstStep'>, grads: number[]): number[] {
  const p = Float32Array.of(1);
  const buf = new Float32Array(1);
  return grads.map((g, i) => {
    sgdStep(p, Float32Array.of(g), buf, null, { ...cfg, firstStep: i === 0 });
    return p[0];
  });
}

function adamRun(weightDecay: number, decoupled: boolean, grads: number[]): number[][] {
  const p = Float32Array.of(1);
  const m = new Float32Array(1);
  const v = new Float32Array(1);
  return grads.map((g, i) => {
    adamStep(p, Float32Array.of(g), m, v, null, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupled, step: i + 1 });
    return [p[0], m[0], v[0]];
  });
}

function expectClose(actual: number[], expected: number[], tol = 2e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i])).toBeLessThan(tol));
}

function expectCloseRelative(actual: number[], expected: number[], rel: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i])).toBeLessThanOrEqual(rel * Math.abs(expected[i])));
}

describe.each(implementations)('fused optimizer steps (%s)', (_name, native) => {
  beforeAll(() => setFusedStepNative(native));

  test('SGD with momentum and weight decay: d = g + wd p, buf = mu buf + d, p -= lr buf', () => {
    // step 1: d = 0.51, buf = 0.51, p = 0.949
    // step 2: d = 0.5 + 0.00949 = 0.50949, buf = 0.459 + 0.50949 = 0.96849, p = 0.852151
    expectClose(sgdRun({ lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: false }, [0.5, 0.5]), [0.949, 0.852151]);
  });

  test('SGD Nesterov: p -= lr (d + mu buf)', () => {
    // step 1: d = 0.51, buf = 0.51, p = 1 - 0.1 (0.51 + 0.459) = 0.9031
    // step 2: d = 0.5 + 0.009031 = 0.509031, buf = 0.459 + 0.509031 = 0.968031,
    //         p = 0.9031 - 0.1 (0.509031 + 0.8712279) = 0.76507411
    expectClose(sgdRun({ lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: true }, [0.5, 0.5]), [0.9031, 0.76507411]);
  });

  test('SGD dampening applies from the second step (the first buffer is the gradient itself)', () => {
    // step 2: buf = 0.9 * 0.51 + 0.5 * 0.50949 = 0.713745, p = 0.949 - 0.0713745
    expectClose(sgdRun({ lr: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.01, nesterov: false }, [0.5, 0.5]), [0.949, 0.8776255]);
  });

  test('plain SGD without momentum needs no buffer', () => {
    const p = Float32Array.of(1, -2);
    sgdStep(p, Float32Array.of(0.5, 1), null, null, { lr: 0.5, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, firstStep: true });
    expectClose([...p], [0.75, -2.5]);
  });

  test('Adam matches the bias-corrected update', () => {
    const r = adamRun(0, false, [0.5, 0.25, -0.75]);
    expectClose(r.map((x) => x[0]), [0.900000002, 0.8067820404774624, 0.814979720110778]);
    expectClose(r.map((x) => x[1]), [0.05, 0.07, -0.012]);
    // Within 3 float32 ulps relative: (1 - beta2) formed in float32 (0.00099998713 instead of
    // PyTorch's 0.001, 1.3e-5 relative) would fail this.
    expectCloseRelative(r.map((x) => x[2]), [0.00025, 0.00031225, 0.00087443775], 3.6e-7);
  });

  test('Adam with L2 weight decay adds wd p to the gradient', () => {
    const r = adamRun(0.1, false, [0.5, 0.25, -0.75]);
    expectClose(r.map((x) => x[0]), [0.9000000016666666, 0.8050097658613199, 0.7968643300102946]);
  });

  test('AdamW decays the weight by (1 - lr wd) before the Adam update', () => {
    const r = adamRun(0.1, true, [0.5, 0.25, -0.75]);
    expectClose(r.map((x) => x[0]), [0.890000002, 0.7878820404574624, 0.7882008996862033]);
  });

  test('masked entries become and stay exactly 0 under momentum and weight decay', () => {
    const n = 37;
    const p = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    const g = new Float32Array(n);
    const mask = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 0 : 1));
    const buf = new Float32Array(n);
    const m = new Float32Array(n);
    const v = new Float32Array(n);
    for (let s = 0; s < 5; s++) {
      for (let i = 0; i < n; i++) g[i] = Math.cos(i * 7 + s);
      sgdStep(p, g, buf, mask, { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: true, firstStep: s === 0 });
      adamStep(p, g, m, v, mask, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true, step: s + 1 });
    }
    for (let i = 0; i < n; i++) {
      if (mask[i] === 0) {
        expect(p[i]).toBe(0);
        expect(buf[i]).toBe(0);
        expect(m[i]).toBe(0);
      } else {
        expect(p[i]).not.toBe(0);
      }
    }
  });

  test('bad arguments throw naming the function and the argument', () => {
    const p = new Float32Array(3);
    expect(() => sgdStep(p, new Float32Array(2), null, null, { lr: 1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, firstStep: true })).toThrow(/sgdStep: grad/);
    expect(() => adamStep(p, p, p, p, null, { lr: 1, beta1: 0.9, beta2: 0.9, eps: 1e-8, weightDecay: 0, decoupled: false, step: 0 })).toThrow(/adamStep: step/);
  });
});

test('native and TypeScript steps agree on random data with odd lengths', () => {
  if (implementations.length < 2) return; // the addon has no fused optimizer kernels yet
  for (const n of [1, 7, 1031]) {
    const init = Float32Array.from({ length: n }, (_, i) => Math.sin(3 * i + 1));
    const grads = [0, 1, 2].map((s) => Float32Array.from({ length: n }, (_, i) => Math.cos(5 * i + s)));
    const mask = Float32Array.from({ length: n }, (_, i) => ((i * 13) % 4 === 0 ? 0 : 1));
    const results = [false, true].map((native) => {
      setFusedStepNative(native);
      const p = init.slice();
      const buf = new Float32Array(n);
      const m = new Float32Array(n);
      const v = new Float32Array(n);
      grads.forEach((g, s) => {
        sgdStep(p, g, buf, mask, { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3, nesterov: false, firstStep: s === 0 });
        adamStep(p, g, m, v, mask, { lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.01, decoupled: s % 2 === 0, step: s + 1 });
      });
      return p;
    });
    for (let i = 0; i < n; i++) expect(Math.abs(results[0][i] - results[1][i])).toBeLessThan(1e-5);
  }
  setFusedStepNative(true);
  expect(fusedStepImplementation()).toBe('native');
});
