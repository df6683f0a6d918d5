/**
 * The conservation laws of synaptic saliency (Tanaka et al., 2020): Theorem 1 (neuron-wise:
 * incoming = outgoing saliency of every hidden unit, biases counting as incoming) and
 * Theorem 2 (network-wise: every layer of a bias-free chain sums to R for SynFlow).
 */
import { fromArray, randn, Tensor } from '../../lib/tensor';
import { exp, linear, mul, relu, sum } from '../../lib/ops';
import { grad } from '../../lib/autograd';
import { conservationReport } from '../../lib/prune';
import { pruningData, smallModel } from './fixtures';

const f64 = (shape: number[], seed: number, requiresGrad = true): Tensor => {
  const r = randn(shape, { seed, dtype: 'float64', backend: 'reference' });
  const t = fromArray(r.data(), shape, { dtype: 'float64', backend: 'reference', requiresGrad });
  r.dispose();
  return t;
};

/** Incoming (row j of W plus b[j]) and outgoing (column j of the next W) saliency sums. */
function unitSums(sW: Float64Array, sB: Float64Array | null, sNext: Float64Array, units: number, fanIn: number, fanOut: number) {
  const out: { incoming: number; outgoing: number }[] = [];
  for (let j = 0; j < units; j++) {
    let incoming = sB ? sB[j] : 0;
    for (let i = 0; i < fanIn; i++) incoming += sW[j * fanIn + i];
    let outgoing = 0;
    for (let k = 0; k < fanOut; k++) outgoing += sNext[k * units + j];
    out.push({ incoming, outgoing });
  }
  return out;
}

describe('neuron-wise conservation (Theorem 1)', () => {
  for (const withBias of [true, false]) {
    it(`holds to 1e-9 in float64 on a ReLU MLP ${withBias ? 'with' : 'without'} biases, for an arbitrary R`, () => {
      const x = f64([5, 6], 1, false);
      const sizes = [6, 7, 5, 3];
      const ws = sizes.slice(1).map((n, l) => f64([n, sizes[l]], 10 + l));
      const bs = withBias ? sizes.slice(1).map((n, l) => f64([n], 20 + l)) : [];
      let h = x;
      ws.forEach((w, l) => {
        h = linear(h, w, withBias ? bs[l] : undefined);
        if (l < ws.length - 1) h = relu(h);
      });
      const R = sum(exp(mul(h, 0.3))); // any scalar function of the output
      const params = [...ws, ...bs];
      const grads = grad([R], params);
      const S = params.map((p, i) => {
        const a = p.data() as Float64Array;
        const g = grads[i]!.data() as Float64Array;
        return a.map((v, j) => v * g[j]);
      });
      for (let l = 0; l < ws.length - 1; l++) {
        const units = sizes[l + 1];
        const sums = unitSums(S[l], withBias ? S[ws.length + l] : null, S[l + 1], units, sizes[l], sizes[l + 2]);
        for (const u of sums) expect(Math.abs(u.incoming - u.outgoing)).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(u.incoming), 1e-12));
      }
    });
  }

  it('holds to 1e-4 in float32 on the native fc and conv models (SynFlow and SNIP saliencies, random biases)', async () => {
    for (const name of ['fc', 'conv'] as const) {
      const model = smallModel(name);
      // Nonzero biases, so that they count as incoming saliency.
      for (const e of model.arena.entries) if (e.key.endsWith('.bias')) model.arena.values.subarray(e.offset, e.offset + e.length).forEach((_, i, a) => (a[i] = 0.05 * Math.sin(i + 1)));
      for (const scorer of ['synflow', 'snip'] as const) {
        const r = await conservationReport(model, { scorer, data: pruningData(model) });
        expect(r.neuronResidual.units).toBeGreaterThan(0);
        expect(r.neuronResidual.max).toBeLessThanOrEqual(1e-4);
      }
    }
  });
});

describe('network-wise conservation (Theorem 2)', () => {
  it('every layer of a bias-free fc ReLU chain sums to R for SynFlow', async () => {
    const model = smallModel('fc'); // biases are zero at the reference initialization
    const r = await conservationReport(model, { scorer: 'synflow' });
    expect(r.R).toBeGreaterThan(0);
    expect(r.layers).toHaveLength(6);
    for (const l of r.layers) expect(Math.abs(l.scoreSum - r.R) / r.R).toBeLessThanOrEqual(1e-4);
    expect(r.networkResidual).toBeLessThanOrEqual(1e-4);
  });
});
