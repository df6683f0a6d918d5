import * as fs from 'fs';
import {
  DTYPE_BYTES,
  DTYPES,
  elementCount,
  isDtype,
  LITTLE_ENDIAN,
  newArray,
  SafetensorsContent,
  SafetensorsDtype,
  SafetensorsEntry,
  SafetensorsError,
  SafetensorsHeader,
  SafetensorsMetadata,
  SafetensorsTensor,
  swapBytes,
} from './safetensors-format';

/** The reference implementation's bound, which also stops absurd allocations on corrupt files. */
const MAX_HEADER_BYTES = 100_000_000;

const FIX_CORRUPT = 'the file is not a valid safetensors file (corrupted, or another format); re-create it with saveSafetensors() or safetensors save_file()';
const FIX_TRUNCATED = 'the file was cut short (an interrupted copy or download); copy or download it again, or re-create it';

/** Validates one header entry; returns it in typed form or throws naming the tensor. */
function parseEntry(file: string, name: string, raw: unknown, dataLength: number): SafetensorsEntry {
  const bad = (what: string): never => {
    throw new SafetensorsError(file, `bad header entry for tensor "${name}": ${what}`, FIX_CORRUPT);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('not an object');
  const o = raw as Record<string, unknown>;
  if (typeof o.dtype !== 'string') bad('missing "dtype"');
  if (!isDtype(o.dtype)) {
    throw new SafetensorsError(
      file,
      `tensor "${name}" has dtype ${String(o.dtype)}, which is not supported (supported: ${DTYPES.join(', ')})`,
      'convert the tensor before saving it (in PyTorch, e.g. tensor.float() or tensor.to(torch.int64))',
    );
  }
  const dtype = o.dtype as SafetensorsDtype;
  if (!Array.isArray(o.shape) || !o.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    bad('"shape" must be an array of non-negative integers');
  }
  const shape = (o.shape as number[]).slice();
  const off = o.data_offsets;
  if (!Array.isArray(off) || off.length !== 2 || !off.every((v) => Number.isSafeInteger(v) && v >= 0)) {
    bad('"data_offsets" must be [begin, end], two non-negative integers');
  }
  const [begin, end] = off as [number, number];
  if (begin > end) bad(`data_offsets [${begin}, ${end}] end before they begin`);
  const expected = elementCount(shape) * DTYPE_BYTES[dtype];
  if (end - begin !== expected) {
    bad(`data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape [${shape}] of ${dtype} needs ${expected}`);
  }
  if (end > dataLength) {
    throw new SafetensorsError(
      file,
      `tensor "${name}" ends at byte ${end} of the data buffer, which has only ${dataLength} bytes`,
      FIX_TRUNCATED,
    );
  }
  return { dtype, shape, dataOffsets: [begin, end] };
}

/**
 * Parses and validates the JSON header. `dataLength` is the number of bytes after the
 * header; the entries must cover it exactly (sorted by offset, no overlap, no hole).
 */
function parseHeader(file: string, headerBytes: Uint8Array, dataLength: number): Omit<SafetensorsHeader, 'dataStart'> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(file, 'the header is not valid UTF-8', FIX_CORRUPT);
  }
  if (!text.startsWith('{')) throw new SafetensorsError(file, 'the header does not start with "{"', FIX_CORRUPT);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(file, `the header is not valid JSON (${(e as Error).message})`, FIX_CORRUPT);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SafetensorsError(file, 'the header is not a JSON object', FIX_CORRUPT);
  }
  const metadata: SafetensorsMetadata = {};
  const entries: Record<string, SafetensorsEntry> = {};
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new SafetensorsError(file, '"__metadata__" is not an object', FIX_CORRUPT);
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw new SafetensorsError(file, `metadata "${k}" is not a string`, FIX_CORRUPT);
        metadata[k] = v;
      }
      continue;
    }
    entries[name] = parseEntry(file, name, raw, dataLength);
  }
  const sorted = Object.entries(entries).sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  let cursor = 0;
  let previous = '';
  for (const [name, e] of sorted) {
    const [begin, end] = e.dataOffsets;
    if (begin < cursor) {
      throw new SafetensorsError(file, `tensors "${previous}" and "${name}" overlap (byte ${begin} < ${cursor})`, FIX_CORRUPT);
    }
    if (begin > cursor) {
      throw new SafetensorsError(file, `the data buffer has a hole of ${begin - cursor} bytes before tensor "${name}"`, FIX_CORRUPT);
    }
    cursor = end;
    previous = name;
  }
  if (cursor !== dataLength) {
    throw new SafetensorsError(
      file,
      `the tensors cover ${cursor} bytes but the data buffer has ${dataLength} (trailing bytes)`,
      FIX_CORRUPT,
    );
  }
  return { entries, metadata };
}

/** Reads the 8-byte header length and checks it against the file size. */
function headerLength(file: string, first8: Uint8Array, fileSize: number): number {
  if (fileSize < 8) {
    throw new SafetensorsError(file, `the file has ${fileSize} bytes, fewer than the 8-byte header length`, FIX_TRUNCATED);
  }
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(file, `the header length ${n} is implausible (over ${MAX_HEADER_BYTES} bytes)`, FIX_CORRUPT);
  }
  if (n < 2n) throw new SafetensorsError(file, `the header length ${n} is too small for a JSON object`, FIX_CORRUPT);
  if (Number(n) > fileSize - 8) {
    throw new SafetensorsError(file, `the header needs ${n} bytes but only ${fileSize - 8} follow the length`, FIX_TRUNCATED);
  }
  return Number(n);
}

/** Parses a whole safetensors file held in memory; `source` names it in errors. */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsContent {
  const n = headerLength(source, bytes.subarray(0, 8), bytes.byteLength);
  const dataStart = 8 + n;
  const { entries, metadata } = parseHeader(source, bytes.subarray(8, dataStart), bytes.byteLength - dataStart);
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const [name, e] of Object.entries(entries)) {
    const data = newArray(e.dtype, elementCount(e.shape));
    const out = new Uint8Array(data.buffer);
    out.set(bytes.subarray(dataStart + e.dataOffsets[0], dataStart + e.dataOffsets[1]));
    if (!LITTLE_ENDIAN) swapBytes(out, DTYPE_BYTES[e.dtype]);
    if (e.dtype === 'BOOL') {
      const bad = (data as Uint8Array).findIndex((v) => v > 1);
      if (bad >= 0) {
        throw new SafetensorsError(source, `BOOL tensor "${name}" holds the byte ${(data as Uint8Array)[bad]} at element ${bad}`, FIX_CORRUPT);
      }
    }
    tensors[name] = { dtype: e.dtype, shape: e.shape, data } as SafetensorsTensor;
  }
  return { tensors, metadata };
}

/** Reads and validates a safetensors file (all tensors copied into fresh typed arrays). */
export function loadSafetensors(file: string): SafetensorsContent {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw readError(file, e as NodeJS.ErrnoException);
  }
  return decodeSafetensors(bytes, file);
}

/** Reads only the header of a safetensors file (names, dtypes, shapes, metadata). */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw readError(file, e as NodeJS.ErrnoException);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const first8 = new Uint8Array(8);
    fs.readSync(fd, first8, 0, Math.min(8, size), 0);
    const n = headerLength(file, first8, size);
    const header = new Uint8Array(n);
    fs.readSync(fd, header, 0, n, 8);
    return { ...parseHeader(file, header, size - 8 - n), dataStart: 8 + n };
  } finally {
    fs.closeSync(fd);
  }
}

function readError(file: string, e: NodeJS.ErrnoException): SafetensorsError {
  const fix = e.code === 'ENOENT' ? 'check the path (the file does not exist)' : 'check the path and its permissions';
  return new SafetensorsError(file, `cannot read (${e.code ?? e.message})`, fix);
}
