// Writers of the real on-disk formats, written from the format descriptions and kept
// independent of lib/data, so the readers are tested against bytes they did not produce.

/** IDX bytes: 00 00 <type> <ndims>, big-endian int32 dims, big-endian values. */
export function idxBytes(type: 0x08 | 0x0b | 0x0d, dims: number[], values: ArrayLike<number>): Buffer {
  const width = type === 0x08 ? 1 : type === 0x0b ? 2 : 4;
  const buf = Buffer.alloc(4 + 4 * dims.length + width * values.length);
  buf[2] = type;
  buf[3] = dims.length;
  dims.forEach((d, i) => buf.writeInt32BE(d, 4 + 4 * i));
  const start = 4 + 4 * dims.length;
  for (let i = 0; i < values.length; i++) {
    if (type === 0x08) buf.writeUInt8(values[i], start + i);
    else if (type === 0x0b) buf.writeInt16BE(values[i], start + 2 * i);
    else buf.writeFloatBE(values[i], start + 4 * i);
  }
  return buf;
}

/** One 512-byte ustar header for a regular file ('0') or directory ('5'). */
function ustarHeader(name: string, size: number, type: '0' | '5'): Buffer {
  const h = Buffer.alloc(512);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100, 'utf8');
  h.write(type === '5' ? '0000755\0' : '0000644\0', 100);
  h.write('0001750\0', 108);
  h.write('0001750\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('14520563141\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write('user', 265);
  h.write('group', 297);
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/** An uncompressed ustar archive of the given files (directories are implied by '/'-ending names). */
export function tarBytes(files: { name: string; data?: Uint8Array }[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    const isDir = f.name.endsWith('/');
    const data = f.data ?? new Uint8Array(0);
    parts.push(ustarHeader(f.name, isDir ? 0 : data.length, isDir ? '5' : '0'));
    if (!isDir) {
      parts.push(Buffer.from(data));
      parts.push(Buffer.alloc((512 - (data.length % 512)) % 512));
    }
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/**
 * CIFAR binary records: for each image, its label byte(s) then 3072 pixel bytes. `pixel(i, k)`
 * gives byte k (channel-major: k = c*1024 + y*32 + x) of image i.
 */
export function cifarRecords(labels: number[][], pixel: (i: number, k: number) => number): Buffer {
  const record = labels[0].length + 3072;
  const buf = Buffer.alloc(labels.length * record);
  labels.forEach((ls, i) => {
    ls.forEach((l, j) => (buf[i * record + j] = l));
    for (let k = 0; k < 3072; k++) buf[i * record + ls.length + k] = pixel(i, k);
  });
  return buf;
}
