/** Bad input: every error names the op, the shapes and the fix. */
import { fromArray, randn, tidy, zeros, type Tensor } from '../../lib/tensor';
import * as o from '../../lib/ops';
import { detectAnomaly, grad } from '../../lib/autograd';

const opts = { backend: 'reference' as const };

test('a broadcasting mismatch names the op, both shapes and the fix', () => {
  const a = zeros([2, 3], opts);
  const b = zeros([4], opts);
  expect(() => o.add(a, b)).toThrow(/add: shapes \[2, 3\] and \[4\] cannot be broadcast.*Fix:/);
});

test('matmul and linear mismatches name the shapes and the fix', () => {
  expect(() => o.matmul(zeros([2, 3], opts), zeros([4, 5], opts))).toThrow(/matmul: inner dimensions differ: a \[2, 3\].*b \[4, 5\].*Fix:/);
  expect(() => o.linear(zeros([2, 3], opts), zeros([4, 5], opts))).toThrow(/linear: x \[2, 3\] and weight \[4, 5\].*Fix:/);
});

test('conv2d channel mismatch names both shapes and the fix', () => {
  expect(() => o.conv2d(zeros([1, 3, 5, 5], opts), zeros([2, 4, 3, 3], opts))).toThrow(/conv2d: weight \[2, 4, 3, 3\].*x \[1, 3, 5, 5\].*Fix:/);
});

test('dtype and backend mismatches name the op and the fix', () => {
  const a = zeros([2], { backend: 'reference', dtype: 'float32' });
  const b = zeros([2], { backend: 'reference', dtype: 'float64' });
  expect(() => o.mul(a, b)).toThrow(/mul: 'a' \[2\] is float32 but 'b' \[2\] is float64.*Fix:/);
});

test('reshape to a wrong size names both shapes', () => {
  expect(() => zeros([2, 3], opts).reshape(4, 2)).toThrow(/reshape: cannot reshape \[2, 3\] \(6 elements\) to \[4, 2\]/);
});

test('using a disposed tensor names the op and the fix', () => {
  const a = zeros([2, 2], opts);
  a.dispose();
  expect(() => o.relu(a)).toThrow(/relu.*was disposed.*Fix:/);
  expect(() => a.data()).toThrow(/data: tensor \[2, 2\].*disposed/);
});

test('backward through a tensor disposed by tidy names the op and the fix', () => {
  const w = randn([3, 3], { ...opts, seed: 1 }).requiresGrad_();
  const loss = tidy(() => o.sum(o.mul(o.exp(w), w)));
  expect(() => loss.backward()).toThrow(/backward of .*disposed.*Fix: call backward\(\)\/grad\(\) inside the tidy scope/);
});

test('a second backward without retainGraph throws with the fix; retainGraph allows it', () => {
  const w = randn([4], { ...opts, seed: 2 }).requiresGrad_();
  const loss = o.sum(o.mul(w, w));
  loss.backward();
  expect(() => loss.backward()).toThrow(/already freed.*Fix: pass \{ retainGraph: true \}/);
  const loss2 = o.sum(o.mul(w, w));
  loss2.backward(undefined, { retainGraph: true });
  expect(() => loss2.backward()).not.toThrow();
});

test('backward of a non-scalar without a gradient, and of a tensor without grad, explain the fix', () => {
  const w = randn([4], { ...opts, seed: 3 }).requiresGrad_();
  expect(() => o.mul(w, 2).backward()).toThrow(/not a scalar.*Fix: pass a gradient of shape \[4\]/);
  expect(() => zeros([1], opts).backward()).toThrow(/does not require grad.*Fix:/);
  const y = o.sum(o.mul(w, 3));
  expect(() => grad(y, [w, randn([2], { ...opts, seed: 4 }).requiresGrad_()])).toThrow(/input 1 \[2\] was not used.*allowUnused/);
});

test('detectAnomaly names the op that produced NaN or Inf', () => {
  const x = fromArray([1, 0, 2], [3], opts);
  expect(() => detectAnomaly(() => o.log(x))).toThrow(/detectAnomaly: log produced -Infinity at flat index 1/);
  expect(() => detectAnomaly(() => o.div(x, o.sub(x, x)))).toThrow(/detectAnomaly: div produced/);
  // Off by default: the same op just returns -Infinity.
  expect(o.log(x).data()[1]).toBe(-Infinity);
});

test('detectAnomaly in a backward names the op whose backward produced it', () => {
  const x = fromArray([0, 1], [2], opts).requiresGrad_();
  const y = o.sum(o.sqrt(x));
  expect(() => detectAnomaly(() => y.backward())).toThrow(/produced Infinity.*in the backward of sqrt/);
});

test('labels outside the class range are rejected with the range', () => {
  const logits: Tensor = zeros([2, 3], opts);
  expect(() => o.crossEntropy(logits, Int32Array.of(0, 3))).toThrow(/crossEntropy: label 3 of row 1 is outside \[0, 3\)/);
  expect(() => o.crossEntropy(logits, Int32Array.of(0))).toThrow(/1 labels for 2 rows/);
});
