import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';
import { checkSame, checkTensor } from './dispatch';

const ONE = Int32Array.of(1);

/**
 * In-place updates for optimizers and masks: no tape entry, so never use them on tensors a
 * pending backward still needs.
 */

/** dst's values := src's values (same element count; src may live on another backend). */
export function copyInPlace(dst: Tensor, src: Tensor): void {
  checkTensor('copy_', 'dst', dst);
  checkTensor('copy_', 'src', src);
  if (dst.size !== src.size) {
    throw new RangeError(`copy_: source ${formatShape(src.shape)} has ${src.size} elements, destination ${formatShape(dst.shape)} has ${dst.size}`);
  }
  dst.storageRef('copy_').version++;
  if (dst.backend === src.backend && dst.dtype === src.dtype) {
    dst.backend.copy(src.storage('copy_'), dst.storage('copy_'), dst.size);
    return;
  }
  const tmp = dst.backend.fromHost(src.data(), dst.dtype);
  dst.backend.copy(tmp, dst.storage('copy_'), dst.size);
  dst.backend.free(tmp, dst.size, dst.dtype);
}

/** x *= mask elementwise (same element count). */
export function mulInPlace(x: Tensor, mask: Tensor): void {
  binaryInPlace('mul', 'mulInPlace_', x, mask, 'mask');
}

/** x += y elementwise (same element count, same backend and dtype). */
export function addInPlace(x: Tensor, y: Tensor): void {
  binaryInPlace('add', 'addInPlace_', x, y, 'y');
}

/** x := x op y over x's storage, bumping its version (recorded facts about x go stale). */
function binaryInPlace(kind: 'add' | 'mul', op: string, x: Tensor, y: Tensor, yName: string): void {
  checkTensor(op, 'x', x);
  checkTensor(op, yName, y);
  checkSame(op, x, y, 'x', yName);
  if (x.size !== y.size) {
    throw new RangeError(`${op}: ${yName} ${formatShape(y.shape)} must have the size of x ${formatShape(x.shape)}`);
  }
  x.storageRef(op).version++;
  const s = x.storage(op);
  x.backend.binary(kind, s, ONE, y.storage(op), ONE, s, Int32Array.of(x.size));
}
