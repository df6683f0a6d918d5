/**
 * A convolution's bias gradient taken from the fused batch norm + ReLU backward that wrote
 * its output gradient (each row summed while in cache) instead of another pass over it:
 * the path is taken for dense and compressed convolutions feeding the plain and the pooled
 * fused ops, on the cpu and reference backends, with the same values as sum(gy) over
 * [0, 2, 3]; and the plain sum runs whenever the gradient may have changed on the way (a
 * hook on the convolution's output, a second consumer).
 */
import type { BackendName } from '../../lib/backend';
import { fromArray, tidy, type Tensor } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { grad } from '../../lib/autograd';
import { compressWeight } from '../../lib/backend/sparse';
import { channelSumsTaken } from '../../lib/ops/channel-sums';
import { rng, TEST_SEED } from './harness';

function values(size: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: size }, () => r() * 2 - 1);
}

type Conv = (x: Tensor, w: Float32Array, shape: number[], b: Tensor) => { y: Tensor; weight: Tensor };
type Tail = 'relu' | 'pool';
type Variant = 'direct' | 'hook' | 'twice';

const dense: Conv = (x, w, shape, b) => {
  const weight = fromArray(w, shape, { backend: x.backend.name as BackendName }).requiresGrad_();
  return { y: o.conv2d(x, weight, b, { padding: 1 }), weight };
};
const compressed: Conv = (x, w, shape, b) => {
  const mask = values(w.length, TEST_SEED + 9).map((v) => (v > -0.4 ? 1 : 0));
  const cw = compressWeight(w, mask, shape);
  const weight = fromArray(cw.values, [cw.values.length], { backend: x.backend.name as BackendName }).requiresGrad_();
  return { y: o.sparseConv2d(x, cw.weight, weight, b, { padding: 1 }), weight };
};

/** Gradients of sum(tail(bn(conv(x))) * R) for bias and weight, and whether the bias came from recorded sums. */
function run(backend: BackendName, conv: Conv, tail: Tail, variant: Variant): { gb: Float64Array; gw: Float64Array; taken: boolean; scale: number } {
  return tidy(() => {
    // Pooled planes of 16 and more take the fused pooling kernels; narrower ones compose.
    const n = 3, c = 2, oc = 5, h = tail === 'pool' ? 16 : 6, w = h;
    const opts = { backend };
    const x = fromArray(values(n * c * h * w, TEST_SEED), [n, c, h, w], opts);
    const bias = fromArray(values(oc, TEST_SEED + 2), [oc], opts).requiresGrad_();
    const gamma = fromArray(values(oc, TEST_SEED + 3).map((v) => 1 + 0.3 * v), [oc], opts).requiresGrad_();
    const beta = fromArray(values(oc, TEST_SEED + 4), [oc], opts).requiresGrad_();
    const { y, weight } = conv(x, values(oc * c * 9, TEST_SEED + 1), [oc, c, 3, 3], bias);
    if (variant === 'hook') y.registerHook(() => undefined);
    const bnOpts = { training: true, gamma, beta, eps: 1e-5 };
    let out = tail === 'relu' ? o.batchNormRelu(y, bnOpts) : o.batchNormReluMaxPool2d(y, bnOpts);
    if (variant === 'twice') out = o.add(out, o.mul(o.sum(y), 0));
    const r = fromArray(values(out.size, TEST_SEED + 5), out.shape, opts);
    const before = channelSumsTaken.count;
    const [gb, gw] = grad(o.sum(o.mul(out, r)), [bias, weight]);
    const taken = channelSumsTaken.count > before;
    // The bias gradient of a convolution feeding batch-statistics BN is 0 up to rounding; the
    // terms' magnitude (about |R| per element, n h w elements per channel) sets its scale.
    const scale = (o.sum(o.abs(r)).item() / out.size) * n * h * w;
    return { gb: Float64Array.from(gb!.toArray() as number[]), gw: Float64Array.from(gw!.toArray() as number[]), taken, scale };
  });
}

describe('conv bias gradient from the fused batch norm backward', () => {
  for (const backend of ['cpu', 'reference'] as BackendName[]) {
    for (const tail of ['relu', 'pool'] as Tail[]) {
      for (const [name, conv] of [['dense', dense], ['compressed', compressed]] as [string, Conv][]) {
        it(`${backend}, ${name} conv, ${tail}: taken, with the plain sum's values; not taken after a hook or a second consumer`, () => {
          const direct = run(backend, conv, tail, 'direct');
          expect(direct.taken).toBe(true);
          for (const v of ['hook', 'twice'] as const) {
            const plain = run(backend, conv, tail, v);
            expect(plain.taken).toBe(false);
            // Same weight gradients (the paths differ only in the bias), and bias gradients
            // equal to rounding.
            expect(Array.from(plain.gw)).toEqual(Array.from(direct.gw));
            direct.gb.forEach((g, i) => expect(Math.abs(g - plain.gb[i])).toBeLessThanOrEqual(1e-5 * direct.scale));
          }
        });
      }
    }
  }
});
