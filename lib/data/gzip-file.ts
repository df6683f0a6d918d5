import * as fs from 'fs';
import * as zlib from 'zlib';
import { DatasetError } from './dataset';

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips `bytes` read from `file`; a truncated or corrupt stream is a DatasetError naming the file. */
export function gunzipBytes(bytes: Uint8Array, file: string): Buffer {
  try {
    return zlib.gunzipSync(bytes);
  } catch (e) {
    const msg = (e as Error).message;
    const truncated = /unexpected end/i.test(msg);
    throw new DatasetError(
      file,
      truncated ? 'the gzip stream is truncated (unexpected end of file)' : `the gzip stream is corrupt (${msg})`,
      'the file was damaged or cut short; download or copy it again',
    );
  }
}

/** Reads a whole file, naming it and the fix when it is missing or unreadable. */
export function readDataFile(file: string, fix: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const problem = err.code === 'ENOENT' ? 'file not found' : `cannot read (${err.code ?? err.message})`;
    throw new DatasetError(file, problem, fix);
  }
}

/** Reads a file and gunzips it when it starts with the gzip magic number, whatever its name. */
export function readMaybeGzipped(file: string, fix: string): Buffer {
  const bytes = readDataFile(file, fix);
  return isGzip(bytes) ? gunzipBytes(bytes, file) : bytes;
}
