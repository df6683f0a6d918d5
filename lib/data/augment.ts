import { philoxBlock } from '../backend/reference/philox';

/** Per-channel affine map v -> v * scale[c] + shift[c]; normalization is scale = 1/std, shift = -mean/std. */
export interface ChannelAffine {
  scale: Float64Array;
  shift: Float64Array;
}

/** One sample's random crop offsets (top, left, in [0, 2 * padding]) and flip. */
export interface CropFlip {
  top: number;
  left: number;
  flip: boolean;
}

const TWO_M24 = 1 / 16777216;
const TWO_32 = 4294967296;

/**
 * The augmentation draw of sample `position` in stream `key`: one Philox block, word 0 ->
 * top, word 1 -> left (each floor(U * (2 padding + 1)), as torchvision's RandomCrop picks
 * an offset in the padded image), word 2 -> flip when U < 1/2.
 */
export function drawCropFlip(key: [number, number], position: number, padding: number, horizontalFlip: boolean, out: CropFlip, scratch: Uint32Array): void {
  philoxBlock(position % TWO_32, Math.floor(position / TWO_32), 0, 0, key[0], key[1], scratch);
  const span = 2 * padding + 1;
  out.top = Math.min(span - 1, Math.floor(((scratch[0] >>> 8) + 0.5) * TWO_M24 * span));
  out.left = Math.min(span - 1, Math.floor(((scratch[1] >>> 8) + 0.5) * TWO_M24 * span));
  out.flip = horizontalFlip && ((scratch[2] >>> 8) + 0.5) * TWO_M24 < 0.5;
}

/**
 * Writes one CHW image of `src` (starting at srcOffset) to `dst` (at dstOffset) as
 * RandomCrop(H x W, padding) with zero padding, then an optional horizontal flip, then the
 * channel affine map: dst[c, y, x] = affine(img[c, y + top - padding, x' + left - padding])
 * with x' = W - 1 - x when flipped, and affine(0) where that falls in the padding.
 * With padding 0 and no flip it is a plain normalized copy.
 */
export function cropFlipNormalize(
  src: Float32Array,
  srcOffset: number,
  dst: Float32Array,
  dstOffset: number,
  shape: readonly [number, number, number] | readonly number[],
  padding: number,
  draw: CropFlip,
  affine: ChannelAffine,
): void {
  const [C, H, W] = shape;
  const dy = draw.top - padding;
  const dx = draw.left - padding;
  // Columns x whose source column lies inside the image, as a half-open range [x0, x1).
  const x0 = draw.flip ? Math.max(0, dx) : Math.max(0, -dx);
  const x1 = draw.flip ? Math.min(W, W + dx) : Math.min(W, W - dx);
  for (let c = 0; c < C; c++) {
    const s = affine.scale[c];
    const b = affine.shift[c];
    const plane = srcOffset + c * H * W;
    for (let y = 0; y < H; y++) {
      const o = dstOffset + (c * H + y) * W;
      const sy = y + dy;
      if (sy < 0 || sy >= H || x0 >= x1) {
        dst.fill(b, o, o + W);
        continue;
      }
      const row = plane + sy * W;
      for (let x = 0; x < x0; x++) dst[o + x] = b;
      if (draw.flip) {
        // x -> source column W - 1 - x + dx
        const base = row + W - 1 + dx;
        for (let x = x0; x < x1; x++) dst[o + x] = src[base - x] * s + b;
      } else {
        const base = row + dx;
        for (let x = x0; x < x1; x++) dst[o + x] = src[base + x] * s + b;
      }
      for (let x = x1; x < W; x++) dst[o + x] = b;
    }
  }
}

/** A normalized copy of `n` consecutive values of one channel layout, without augmentation. */
export function normalizeCopy(
  src: Float32Array,
  srcOffset: number,
  dst: Float32Array,
  dstOffset: number,
  channels: number,
  planeSize: number,
  affine: ChannelAffine,
): void {
  for (let c = 0; c < channels; c++) {
    const s = affine.scale[c];
    const b = affine.shift[c];
    const i0 = srcOffset + c * planeSize;
    const o0 = dstOffset + c * planeSize;
    for (let k = 0; k < planeSize; k++) dst[o0 + k] = src[i0 + k] * s + b;
  }
}
