import type { Tensor } from '../tensor/tensor';
import type { Backend, Device } from '../backend/backend';
import { backendByName, hostBackend } from '../backend';
import { checkTensor, finish, needsGrad, newTensor, record } from './dispatch';

/** x copied to another backend (x itself when already there); gradients flow back. */
export function toBackend(x: Tensor, backend: Backend): Tensor {
  checkTensor('to', 'x', x);
  if (x.backend === backend) return x;
  if (!backend.supports(x.dtype)) {
    throw new TypeError(`to: the ${backend.name} backend does not support ${x.dtype}. Fix: use float32 tensors off the reference backend.`);
  }
  const out = newTensor(backend, x.dtype, x.shape, x.size, backend.fromHost(x.data(), x.dtype));
  const from = x.backend;
  if (needsGrad(x)) record('to', out, [x], (gy) => [toBackend(gy, from)], []);
  return finish('to', out);
}

/** x on the cpu or cuda device (x itself when already there). */
export function toDevice(x: Tensor, device: Device): Tensor {
  checkTensor('to', 'x', x);
  if (device !== 'cpu' && device !== 'cuda') throw new RangeError(`to: unknown device '${String(device)}'. Fix: use 'cpu' or 'cuda'.`);
  if (x.device === device) return x;
  return toBackend(x, device === 'cpu' ? hostBackend() : backendByName('cuda'));
}
