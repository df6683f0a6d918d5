import { writeFileAtomic, writeFileAtomicSync } from './atomic-write';
import {
  DTYPE_BYTES,
  DTYPES,
  elementCount,
  isDtype,
  LITTLE_ENDIAN,
  newArray,
  SafetensorsArrays,
  SafetensorsDtype,
  SafetensorsInput,
  SafetensorsMetadata,
  swapBytes,
} from './safetensors-format';

/** The little-endian bytes of one input tensor, converting its data to the dtype where needed. */
function tensorBytes(name: string, t: SafetensorsInput): Uint8Array {
  const fail = (what: string): never => {
    throw new TypeError(`saveSafetensors: tensor "${name}": ${what}`);
  };
  if (!isDtype(t.dtype)) fail(`dtype ${String(t.dtype)} is not one of ${DTYPES.join(', ')}`);
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail('shape must be an array of non-negative integers');
  }
  const n = elementCount(t.shape);
  if (!t.data || typeof t.data.length !== 'number') fail('data must be an array or typed array');
  if (t.data.length !== n) fail(`data has ${t.data.length} elements but shape [${t.shape}] needs ${n}`);
  let arr: SafetensorsArrays[SafetensorsDtype];
  if (sameKind(t.dtype, t.data)) {
    arr = t.data as SafetensorsArrays[SafetensorsDtype];
    if (t.dtype === 'BOOL') checkBool(name, arr as Uint8Array);
  } else {
    arr = convert(name, t.dtype, t.data);
  }
  const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  if (LITTLE_ENDIAN) return bytes;
  const copy = bytes.slice();
  swapBytes(copy, DTYPE_BYTES[t.dtype]);
  return copy;
}

function sameKind(dtype: SafetensorsDtype, data: unknown): boolean {
  switch (dtype) {
    case 'F32': return data instanceof Float32Array;
    case 'F64': return data instanceof Float64Array;
    case 'I32': return data instanceof Int32Array;
    case 'I64': return data instanceof BigInt64Array;
    case 'U8':
    case 'BOOL': return data instanceof Uint8Array;
  }
}

function checkBool(name: string, data: Uint8Array): void {
  const i = data.findIndex((v) => v > 1);
  if (i >= 0) throw new RangeError(`saveSafetensors: BOOL tensor "${name}" has ${data[i]} at element ${i} (must be 0 or 1)`);
}

function convert(name: string, dtype: SafetensorsDtype, src: ArrayLike<number> | BigInt64Array): SafetensorsArrays[SafetensorsDtype] {
  const n = src.length;
  const out = newArray(dtype, n);
  const [lo, hi] = dtype === 'I32' ? [-(2 ** 31), 2 ** 31 - 1] : dtype === 'U8' ? [0, 255] : dtype === 'BOOL' ? [0, 1] : [-Infinity, Infinity];
  for (let i = 0; i < n; i++) {
    const v = src[i];
    if (dtype === 'I64') {
      if (typeof v === 'bigint') (out as BigInt64Array)[i] = v;
      else if (Number.isSafeInteger(v)) (out as BigInt64Array)[i] = BigInt(v);
      else throw new RangeError(`saveSafetensors: I64 tensor "${name}" element ${i} is ${v}, not a safe integer`);
      continue;
    }
    const x = Number(v);
    if (dtype === 'F32' || dtype === 'F64') {
      (out as Float64Array)[i] = x;
      continue;
    }
    if (!Number.isInteger(x) || x < lo || x > hi) {
      throw new RangeError(`saveSafetensors: ${dtype} tensor "${name}" element ${i} is ${x}, not an integer in [${lo}, ${hi}]`);
    }
    (out as Int32Array)[i] = x;
  }
  return out;
}

/**
 * Serializes tensors and metadata to safetensors bytes (a list of chunks, to be written
 * back to back). Tensors are laid out by decreasing element size, then by name, so every
 * tensor starts aligned to its element size; the header is padded with spaces to a
 * multiple of 8 bytes, as the reference implementation does.
 */
export function encodeSafetensors(tensors: Record<string, SafetensorsInput>, metadata?: SafetensorsMetadata): Uint8Array[] {
  const names = Object.keys(tensors);
  for (const name of names) {
    if (name === '' || name === '__metadata__') throw new TypeError(`saveSafetensors: "${name}" cannot be a tensor name`);
  }
  names.sort((a, b) => DTYPE_BYTES[tensors[b].dtype] - DTYPE_BYTES[tensors[a].dtype] || (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`saveSafetensors: metadata "${k}" must be a string (got ${typeof v}); JSON.stringify it`);
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const bytes = tensorBytes(name, t);
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    offset += bytes.byteLength;
    chunks.push(bytes);
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) json = Buffer.concat([json, Buffer.alloc(padded - json.byteLength, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.byteLength));
  return [len, json, ...chunks];
}

/** Writes tensors (and optional string metadata) to a safetensors file, atomically. */
export function saveSafetensors(file: string, tensors: Record<string, SafetensorsInput>, metadata?: SafetensorsMetadata): void {
  writeFileAtomicSync(file, encodeSafetensors(tensors, metadata));
}

/** Async form of {@link saveSafetensors}. */
export async function saveSafetensorsAsync(
  file: string,
  tensors: Record<string, SafetensorsInput>,
  metadata?: SafetensorsMetadata,
): Promise<void> {
  await writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
