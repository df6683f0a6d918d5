import * as os from 'os';

// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian u64 N, N bytes of UTF-8 JSON mapping tensor names to
// { dtype, shape, data_offsets: [begin, end] } (offsets relative to the byte buffer that
// follows the header) plus an optional "__metadata__" string->string map, then the raw
// little-endian tensor bytes. The buffer must be covered exactly, without holes or overlaps.

/** Element types this library reads and writes (safetensors' names). */
export type SafetensorsDtype = 'F32' | 'F64' | 'I32' | 'I64' | 'U8' | 'BOOL';

/** The typed array that holds each dtype after loading. BOOL is one byte, 0 or 1. */
export interface SafetensorsArrays {
  F32: Float32Array;
  F64: Float64Array;
  I32: Int32Array;
  I64: BigInt64Array;
  U8: Uint8Array;
  BOOL: Uint8Array;
}

/** A loaded tensor: dtype, shape (row-major, PyTorch order) and its own copy of the data. */
export type SafetensorsTensor = {
  [D in SafetensorsDtype]: { dtype: D; shape: number[]; data: SafetensorsArrays[D] };
}[SafetensorsDtype];

/**
 * A tensor to save. `data` is written as is when it is the dtype's own typed array;
 * any other numeric array is converted element by element (checked: integers in range
 * for I32/I64/U8, 0 or 1 for BOOL), e.g. a Float32Array mask saved as BOOL.
 */
export interface SafetensorsInput {
  dtype: SafetensorsDtype;
  shape: readonly number[];
  data: ArrayLike<number> | BigInt64Array;
}

/** String-to-string metadata stored under "__metadata__". */
export type SafetensorsMetadata = Record<string, string>;

/** What a safetensors file holds. */
export interface SafetensorsContent {
  tensors: Record<string, SafetensorsTensor>;
  metadata: SafetensorsMetadata;
}

/** One header entry: where a tensor lies in the data buffer (byte offsets relative to it). */
export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  dataOffsets: [number, number];
}

/** The parsed header of a safetensors file, without the tensor bytes. */
export interface SafetensorsHeader {
  entries: Record<string, SafetensorsEntry>;
  metadata: SafetensorsMetadata;
  /** Byte position of the data buffer in the file (8 + header length). */
  dataStart: number;
}

/** A malformed or unreadable safetensors file; the message names the file and the fix. */
export class SafetensorsError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    fix: string,
  ) {
    super(`${file}: ${problem}. Fix: ${fix}.`);
    this.name = 'SafetensorsError';
  }
}

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4, I64: 8, U8: 1, BOOL: 1 };
/** The supported dtypes, in a stable order for messages. */
export const DTYPES = Object.keys(DTYPE_BYTES) as SafetensorsDtype[];
/** True on little-endian hosts, where typed-array bytes are already the file's byte order. */
export const LITTLE_ENDIAN = os.endianness() === 'LE';

/** True when `d` names a supported dtype. */
export function isDtype(d: unknown): d is SafetensorsDtype {
  return typeof d === 'string' && (DTYPES as string[]).includes(d);
}

/** Product of the dimensions (1 for a scalar's empty shape). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A zeroed typed array of n elements for the dtype. */
export function newArray(dtype: SafetensorsDtype, n: number): SafetensorsArrays[SafetensorsDtype] {
  switch (dtype) {
    case 'F32': return new Float32Array(n);
    case 'F64': return new Float64Array(n);
    case 'I32': return new Int32Array(n);
    case 'I64': return new BigInt64Array(n);
    case 'U8':
    case 'BOOL': return new Uint8Array(n);
  }
}

/** Reverses the byte order of each `width`-byte element in place (big-endian hosts only). */
export function swapBytes(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i < bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}
