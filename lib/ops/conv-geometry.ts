import type { Conv2dGeometry, Pool2dGeometry } from '../backend/backend';
import type { Tensor } from '../tensor/tensor';
import { formatShape } from '../tensor/shape';

/** A size given as one number for both spatial dimensions or as [h, w]. */
export type Pair = number | readonly [number, number];

/** Options of conv2d; each spatial option is a number or [h, w]. */
export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

/** Options of maxPool2d and avgPool2d. */
export interface Pool2dOptions {
  kernelSize: Pair;
  /** Default: kernelSize. */
  stride?: Pair;
  padding?: Pair;
}

/** Reads a Pair as [h, w], checking each is an integer >= min. */
export function pair(op: string, name: string, v: Pair | undefined, dflt: number, min: number): [number, number] {
  const p: readonly number[] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : v;
  if (p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new RangeError(`${op}: ${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

/** Checks conv2d's operands and computes its geometry. */
export function convGeometry(x: Tensor, weight: Tensor, opts: Conv2dOptions): Conv2dGeometry {
  if (x.ndim !== 4) throw new RangeError(`conv2d: x ${formatShape(x.shape)} must be [n, c, h, w]. Fix: add a batch dimension with reshape.`);
  if (weight.ndim !== 4) throw new RangeError(`conv2d: weight ${formatShape(weight.shape)} must be [out, in / groups, kh, kw]`);
  const [n, c, h, w] = x.shape;
  const [o, cpg, kh, kw] = weight.shape;
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0 || o % groups !== 0) {
    throw new RangeError(`conv2d: groups ${groups} must divide the input channels (${c}) and output channels (${o})`);
  }
  if (cpg !== c / groups) {
    throw new RangeError(
      `conv2d: weight ${formatShape(weight.shape)} expects ${cpg * groups} input channels (${cpg} per group, ${groups} groups) but x ${formatShape(x.shape)} has ${c}. ` +
        `Fix: match the layer's in_channels to the input.`,
    );
  }
  const [sh, sw] = pair('conv2d', 'stride', opts.stride, 1, 1);
  const [ph, pw] = pair('conv2d', 'padding', opts.padding, 0, 0);
  const [dh, dw] = pair('conv2d', 'dilation', opts.dilation, 1, 1);
  const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (oh < 1 || ow < 1) {
    throw new RangeError(
      `conv2d: kernel ${kh}x${kw} (dilation ${dh}x${dw}) is larger than the padded input ${h + 2 * ph}x${w + 2 * pw} of x ${formatShape(x.shape)}. Fix: add padding or use a smaller kernel.`,
    );
  }
  return { n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, oh, ow };
}

/** Checks a pooling input and computes its geometry (padding at most half the window, as PyTorch). */
export function poolGeometry(op: string, x: Tensor, opts: Pool2dOptions): Pool2dGeometry {
  if (x.ndim !== 4) throw new RangeError(`${op}: x ${formatShape(x.shape)} must be [n, c, h, w]`);
  if (opts === undefined || opts.kernelSize === undefined) throw new TypeError(`${op}: options must include kernelSize`);
  const [n, c, h, w] = x.shape;
  const [kh, kw] = pair(op, 'kernelSize', opts.kernelSize, 1, 1);
  const [sh, sw] = pair(op, 'stride', opts.stride ?? [kh, kw], 1, 1);
  const [ph, pw] = pair(op, 'padding', opts.padding, 0, 0);
  if (2 * ph > kh || 2 * pw > kw) throw new RangeError(`${op}: padding ${ph}x${pw} must be at most half the kernel ${kh}x${kw}`);
  const oh = Math.floor((h + 2 * ph - kh) / sh) + 1;
  const ow = Math.floor((w + 2 * pw - kw) / sw) + 1;
  if (oh < 1 || ow < 1) {
    throw new RangeError(`${op}: window ${kh}x${kw} is larger than the padded input ${h + 2 * ph}x${w + 2 * pw} of x ${formatShape(x.shape)}`);
  }
  return { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow };
}
