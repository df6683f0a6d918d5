import * as fs from 'fs';
import * as os from 'os';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-write';

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

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4, I64: 8, U8: 1, BOOL: 1 };
const DTYPES = Object.keys(BYTES) as SafetensorsDtype[];
/** The reference implementation's bound, which also stops absurd allocations on corrupt files. */
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN = os.endianness() === 'LE';

const FIX_CORRUPT = 'the file is not a valid safetensors file (corrupted, or another format); re-create it with saveSafetensors() or safetensors save_file()';
const FIX_TRUNCATED = 'the file was cut short (an interrupted copy or download); copy or download it again, or re-create it';

function isDtype(d: unknown): d is SafetensorsDtype {
  return typeof d === 'string' && (DTYPES as string[]).includes(d);
}

function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function newArray(dtype: SafetensorsDtype, n: number): SafetensorsArrays[SafetensorsDtype] {
  switch (dtype) {
    case 'F32': return new Float32Array(n);
    case 'F64': return new Float64Array(n);
    case 'I32': return new Int32Array(n);
    case 'I64': return new BigInt64Array(n);
    case 'U8':
    case 'BOOL': return new Uint8Array(n);
  }
}

function swapBytes(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i < bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

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
  const expected = elementCount(shape) * BYTES[dtype];
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
    if (!LITTLE_ENDIAN) swapBytes(out, BYTES[e.dtype]);
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
  swapBytes(copy, BYTES[t.dtype]);
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
  names.sort((a, b) => BYTES[tensors[b].dtype] - BYTES[tensors[a].dtype] || (a < b ? -1 : a > b ? 1 : 0));
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
