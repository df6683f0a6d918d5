import { DatasetError } from './dataset';
import { readMaybeGzipped } from './gzip-file';

// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): magic
// bytes 0, 0, a type code and the number of dimensions; each dimension as a big-endian
// int32; then the values, big-endian, row-major.

/** IDX element types by their type code. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX array; values are converted to the platform's byte order. */
export interface IdxArray {
  type: IdxType;
  dims: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { type: IdxType; bytes: number }> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

const FIX_CORRUPT = 'the file is not an IDX file or is damaged; download or copy it again';
const FIX_TRUNCATED = 'the file was cut short (an interrupted download or copy); download or copy it again';

/** Parses IDX bytes (already gunzipped); `source` names the file in errors. */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (bytes.length < 4) throw new DatasetError(source, `the file has ${bytes.length} bytes, too few for an IDX header`, FIX_TRUNCATED);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DatasetError(source, `bad IDX magic number ${magic} (expected 00 00 <type> <ndims>)`, FIX_CORRUPT);
  }
  const t = TYPES[bytes[2]];
  if (!t) throw new DatasetError(source, `unknown IDX type code 0x${bytes[2].toString(16)}`, FIX_CORRUPT);
  const ndims = bytes[3];
  if (ndims < 1) throw new DatasetError(source, 'the IDX header declares 0 dimensions', FIX_CORRUPT);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DatasetError(source, `the file has ${bytes.length} bytes, too few for an IDX header with ${ndims} dimensions`, FIX_TRUNCATED);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getInt32(4 + 4 * i, false);
    if (d < 0) throw new DatasetError(source, `IDX dimension ${i} is negative (${d})`, FIX_CORRUPT);
    dims.push(d);
    count *= d;
  }
  const expected = headerBytes + count * t.bytes;
  if (bytes.length < expected) {
    throw new DatasetError(
      source,
      `the IDX header declares [${dims.join(', ')}] ${t.type} values (${expected} bytes) but the file has ${bytes.length} bytes`,
      FIX_TRUNCATED,
    );
  }
  if (bytes.length > expected) {
    throw new DatasetError(source, `${bytes.length - expected} bytes follow the [${dims.join(', ')}] ${t.type} values`, FIX_CORRUPT);
  }
  return { type: t.type, dims, data: decodeValues(view, headerBytes, count, t.type) };
}

function decodeValues(view: DataView, start: number, n: number, type: IdxType): IdxArray['data'] {
  switch (type) {
    case 'uint8':
      return new Uint8Array(view.buffer, view.byteOffset + start, n).slice();
    case 'int8':
      return new Int8Array(view.buffer, view.byteOffset + start, n).slice();
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(start + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(start + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(start + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(start + 8 * i, false);
      return out;
    }
  }
}

/** Reads an IDX file, gzipped or not (recognized by content, not by name). */
export function readIdxFile(file: string, fix = 'check the path, or pass the directory that holds the IDX files'): IdxArray {
  return parseIdx(readMaybeGzipped(file, fix), file);
}
