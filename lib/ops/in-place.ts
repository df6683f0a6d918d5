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
  checkTensor('mulInPlace_', 'x', x);
  checkTensor('mulInPlace_', 'mask', mask);
  checkSame('mulInPlace_', x, mask, 'x', 'mask');
  if (x.size !== mask.size) {
    throw new RangeError(`mulInPlace_: mask ${formatShape(mask.shape)} must have the size of x ${formatShape(x.shape)}`);
  }
  x.storageRef('mulInPlace_').version++;
  const s = x.storage('mulInPlace_');
  x.backend.binary('mul', s, ONE, mask.storage('mulInPlace_'), ONE, s, Int32Array.of(x.size));
}

/** x += y elementwise (same element count, same backend and dtype). */
export function addInPlace(x: Tensor, y: Tensor): void {
  checkTensor('addInPlace_', 'x', x);
  checkTensor('addInPlace_', 'y', y);
  checkSame('addInPlace_', x, y, 'x', 'y');
  if (x.size !== y.size) {
    throw new RangeError(`addInPlace_: y ${formatShape(y.shape)} must have the size of x ${formatShape(x.shape)}`);
  }
  x.storageRef('addInPlace_').version++;
  const s = x.storage('addInPlace_');
  x.backend.binary('add', s, ONE, y.storage('addInPlace_'), ONE, s, Int32Array.of(x.size));
}
