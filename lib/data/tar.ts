import { DatasetError } from './dataset';

/** One member of a tar archive; `data` is a view into the archive's bytes (no copy). */
export interface TarEntry {
  /** Path inside the archive, '/'-separated, as stored (ustar prefix and pax/GNU long names applied). */
  name: string;
  type: 'file' | 'directory' | 'other';
  data: Uint8Array;
}

const BLOCK = 512;
const FIX = 'the archive was damaged or cut short; download or copy it again';

function text(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
}

/** A numeric header field: octal ASCII (space/NUL padded), or GNU base-256 when the top bit is set. */
function numberField(bytes: Uint8Array, start: number, length: number, what: string, source: string): number {
  if (bytes[start] & 0x80) {
    let v = bytes[start] & 0x7f;
    for (let i = 1; i < length; i++) v = v * 256 + bytes[start + i];
    if (!Number.isSafeInteger(v)) throw new DatasetError(source, `tar header ${what} is out of range`, FIX);
    return v;
  }
  const s = text(bytes, start, length).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new DatasetError(source, `tar header ${what} "${s}" is not an octal number (not a tar archive?)`, FIX);
  return parseInt(s, 8);
}

function isZeroBlock(bytes: Uint8Array, at: number): boolean {
  for (let i = at; i < at + BLOCK; i++) if (bytes[i] !== 0) return false;
  return true;
}

function checkChecksum(bytes: Uint8Array, at: number, source: string): void {
  const stored = numberField(bytes, at + 148, 8, 'checksum', source);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : bytes[at + i];
  if (sum !== stored) {
    throw new DatasetError(source, `tar header at byte ${at} has a bad checksum (stored ${stored}, computed ${sum}); not a tar archive, or corrupt`, FIX);
  }
}

/** Parses pax extended-header records "LEN key=value\n"; LEN counts bytes, so this works on bytes. */
function paxRecords(data: Uint8Array, source: string): Map<string, string> {
  const out = new Map<string, string>();
  const utf8 = (a: number, b: number): string => Buffer.from(data.buffer, data.byteOffset + a, b - a).toString('utf8');
  let i = 0;
  while (i < data.length && data[i] !== 0) {
    const space = data.indexOf(0x20, i);
    const len = space < 0 ? NaN : Number(utf8(i, space));
    if (!Number.isSafeInteger(len) || len <= space - i || i + len > data.length) {
      throw new DatasetError(source, 'a pax extended header is malformed', FIX);
    }
    const record = utf8(space + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}

/**
 * Lists the members of an uncompressed tar archive (POSIX ustar, pax and GNU long names).
 * Validates header checksums and sizes; a truncated archive or a corrupt header throws a
 * DatasetError naming `source`.
 */
export function readTar(bytes: Uint8Array, source: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  let longName: string | null = null;
  let pax: Map<string, string> | null = null;
  for (;;) {
    if (at + BLOCK > bytes.length) {
      // Every tar writer ends the archive with zero blocks; running out before them means the end is missing.
      const what = at >= bytes.length ? 'its end-of-archive blocks are missing' : `a ${bytes.length - at}-byte partial header at byte ${at}`;
      throw new DatasetError(source, `the tar archive is truncated (${what})`, FIX);
    }
    if (isZeroBlock(bytes, at)) break;
    checkChecksum(bytes, at, source);
    const type = String.fromCharCode(bytes[at + 156] || 0x30);
    let size = numberField(bytes, at + 124, 12, 'size', source);
    if (pax?.has('size')) size = Number(pax.get('size'));
    const dataStart = at + BLOCK;
    if (dataStart + size > bytes.length) {
      throw new DatasetError(source, `the tar archive is truncated (a member needs ${size} bytes, ${bytes.length - dataStart} remain)`, FIX);
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (at > bytes.length) {
      throw new DatasetError(source, `the tar archive is truncated (the padding after a ${size}-byte member is cut)`, FIX);
    }
    if (type === 'L') {
      longName = text(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      pax = paxRecords(data, source);
      continue;
    }
    if (type === 'g') continue;
    const header = dataStart - BLOCK;
    const prefix = text(bytes, header + 345, 155);
    const plain = text(bytes, header, 100);
    const isUstar = text(bytes, header + 257, 5) === 'ustar';
    let name = isUstar && prefix ? `${prefix}/${plain}` : plain;
    if (longName !== null) name = longName;
    if (pax?.has('path')) name = pax.get('path') as string;
    longName = null;
    pax = null;
    const kind = type === '0' || type === '7' ? 'file' : type === '5' ? 'directory' : 'other';
    entries.push({ name, type: kind, data });
  }
  return entries;
}

/** Strips leading "./" so that member names compare the same whichever way the archive was made. */
export function tarMemberPath(name: string): string {
  return name.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
}
