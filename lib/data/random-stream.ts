import { philoxBlock, splitSeed } from '../backend/reference/philox';

/**
 * Independent Philox streams for the data pipeline. Every random choice is a pure
 * function of (seed, purpose, index), e.g. the shuffle of epoch 7 depends on nothing
 * but the seed and 7, so a run resumed at epoch 7 sees exactly the batches that an
 * uninterrupted run sees.
 */
export enum DataStream {
  Shuffle = 1,
  Augment = 2,
  Split = 3,
  Subset = 4,
  Synthetic = 5,
  /** Mask permutations of the layer-shuffle sanity check (lib/prune). */
  MaskShuffle = 6,
}

/** Tag in the counter's last word, so these keys never collide with the tensor RNG's streams. */
const DATA_TAG = 0x0da7a5e7;
const TWO_32 = 4294967296;

/**
 * The Philox key [k0, k1] of stream (purpose, index) under `seed`: one Philox block of
 * the counter (index lo, index hi, purpose, tag) under the user's seed.
 */
export function streamKey(seed: number | bigint, purpose: DataStream, index = 0): [number, number] {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`streamKey: index must be a non-negative integer, got ${index}`);
  const [s0, s1] = splitSeed(seed);
  const out = new Uint32Array(4);
  philoxBlock(index % TWO_32, Math.floor(index / TWO_32), purpose, DATA_TAG, s0, s1, out);
  return [out[0], out[1]];
}

/** 2^-53: scales a 53-bit integer into [0, 1). */
const TWO_M53 = 1 / 9007199254740992;

/**
 * A uniformly random permutation of 0..n-1 (Fisher-Yates), drawn from the Philox stream
 * with key `key`: step k (swapping position n-1-k) uses words 2(k mod 2), 2(k mod 2)+1 of
 * block floor(k/2), joined into a 53-bit fraction r, and j = floor(r (i + 1)).
 * 53 bits make the modulo bias negligible for any n an array can have.
 */
export function permutationFromKey(n: number, key: [number, number]): Int32Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new RangeError(`permutation: n must be an integer in [0, 2^31), got ${n}`);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const w = new Uint32Array(4);
  for (let k = 0; k < n - 1; k++) {
    const i = n - 1 - k;
    const j0 = 2 * (k & 1);
    if (j0 === 0) philoxBlock(Math.floor(k / 2) % TWO_32, Math.floor(k / 2 / TWO_32), 0, 0, key[0], key[1], w);
    const r = ((w[j0] >>> 0) * 2097152 + (w[j0 + 1] >>> 11)) * TWO_M53;
    const j = Math.min(i, Math.floor(r * (i + 1)));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

/** A seeded random permutation of 0..n-1 for stream (purpose, index); see {@link permutationFromKey}. */
export function permutation(n: number, seed: number | bigint, purpose: DataStream = DataStream.Shuffle, index = 0): Int32Array {
  return permutationFromKey(n, streamKey(seed, purpose, index));
}
