/**
 * 1,000 training steps of a tiny conv net inside tidy: live tensors and bytes (and the
 * allocator's bytes) end where they were after the first step.
 */
import { memory, randn, tidy, type Tensor } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { noGrad } from '../../lib/autograd';

test('1,000 tidy training steps leave no tensors or bytes behind', () => {
  const x = randn([4, 2, 6, 6], { seed: 1 });
  const labels = Int32Array.of(0, 1, 2, 1);
  const wc = o.mul(randn([3, 2, 3, 3], { seed: 2 }), 0.3).requiresGrad_();
  const gamma = o.onesLike(randn([3], { seed: 3 })).requiresGrad_();
  const beta = randn([3], { seed: 4 }).requiresGrad_();
  const wf = o.mul(randn([3, 27], { seed: 5 }), 0.2).requiresGrad_();
  const bf = randn([3], { seed: 6 }).requiresGrad_();
  const rm = o.zerosLike(beta);
  const rv = o.onesLike(beta);
  const ps: Tensor[] = [wc, gamma, beta, wf, bf];
  const step = () =>
    tidy(() => {
      const y = o.conv2d(x, wc, null, { padding: 1 });
      const z = o.relu(o.batchNorm(y, { runningMean: rm, runningVar: rv, weight: gamma, bias: beta, training: true }));
      const p = o.maxPool2d(z, { kernelSize: 2 });
      const loss = o.crossEntropy(o.linear(o.flatten(p, 1), wf, bf), labels);
      loss.backward();
      noGrad(() => {
        for (const q of ps) {
          const d = q.data();
          const g = q.grad!.data();
          for (let i = 0; i < d.length; i++) d[i] -= 0.05 * g[i];
          q.grad!.zero_();
        }
      });
      return loss.item();
    });
  // Two warm-up steps fill the allocator's recycling cache; it must not grow afterwards.
  const first = step();
  step();
  const start = memory();
  let last = first;
  for (let i = 2; i < 1000; i++) last = step();
  const end = memory();
  expect(end.tensors).toBe(start.tensors);
  expect(end.bytes).toBe(start.bytes);
  expect(end.nativeBytes).toBe(start.nativeBytes);
  expect(last).toBeLessThan(first);
});
