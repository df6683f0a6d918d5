import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DataChoice } from '../../lib/experiments/config';

/** A small synthetic dataset (1x8x8 images, 4 classes) that the small zoo nets learn in one epoch. */
export const TINY: DataChoice = { name: 'synthetic', inputShape: [1, 8, 8], numClasses: 4, size: 256 };

const created: string[] = [];
// Each test file gets its own instance of this module, so this removes that file's folders.
afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file's tests. */
export function tempDir(prefix = 'pai-exp-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/**
 * A safetensors file written byte by byte from the format's definition (8-byte header
 * length, JSON header, raw little-endian data), as PyTorch's `safetensors.torch.save_file`
 * writes it, independent of this library's writer.
 */
export function handWrittenSafetensors(file: string, tensors: { name: string; dtype: 'BOOL' | 'U8' | 'F32'; shape: number[]; values: number[] }[]): void {
  const chunks: Buffer[] = [];
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.dtype === 'F32' ? Buffer.from(new Float32Array(t.values).buffer) : Buffer.from(Uint8Array.from(t.values));
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    chunks.push(bytes);
  }
  let json = JSON.stringify(header);
  while (json.length % 8 !== 0) json += ' ';
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, Buffer.from(json), ...chunks]));
}
