import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  readSafetensorsHeader,
  saveSafetensors,
  saveSafetensorsAsync,
  SafetensorsError,
} from '../../lib/io/safetensors';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pai-safetensors-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Builds a safetensors file by hand from a header string and raw data bytes, independent of the writer. */
function handMade(header: string | Buffer, data: number[], lengthOverride?: bigint): Buffer {
  const h = typeof header === 'string' ? Buffer.from(header, 'utf8') : header;
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(lengthOverride ?? BigInt(h.length));
  return Buffer.concat([len, h, Buffer.from(data)]);
}

function le32(x: number): number[] {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x);
  return [...b];
}

function concat(chunks: Uint8Array[]): Buffer {
  return Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
}

describe('safetensors reading of hand-made files', () => {
  test('reads F32 and I64 tensors and metadata written byte by byte', () => {
    const header =
      '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},' +
      '"step":{"dtype":"I64","shape":[],"data_offsets":[16,24]}}';
    const data = [...le32(1.5), ...le32(-2), ...le32(0.25), ...le32(3e-8), 7, 1, 0, 0, 0, 0, 0, 0];
    const file = path.join(dir, 'hand.safetensors');
    fs.writeFileSync(file, handMade(header, data));
    const { tensors, metadata } = loadSafetensors(file);
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.w.dtype).toBe('F32');
    expect(tensors.w.shape).toEqual([2, 2]);
    expect(Array.from(tensors.w.data as Float32Array)).toEqual([1.5, -2, 0.25, Math.fround(3e-8)]);
    expect(tensors.step.dtype).toBe('I64');
    expect(tensors.step.shape).toEqual([]);
    expect(tensors.step.data).toEqual(new BigInt64Array([263n]));
  });

  test('accepts a header padded with trailing spaces, and BOOL/U8/I32/F64', () => {
    const header =
      '{"b":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]},"u":{"dtype":"U8","shape":[1],"data_offsets":[3,4]},' +
      '"i":{"dtype":"I32","shape":[1],"data_offsets":[4,8]},"d":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}   ';
    const f64 = Buffer.alloc(8);
    f64.writeDoubleLE(Math.PI);
    const data = [1, 0, 1, 200, 0xfe, 0xff, 0xff, 0xff, ...f64];
    const { tensors } = decodeSafetensors(handMade(header, data));
    expect(Array.from(tensors.b.data as Uint8Array)).toEqual([1, 0, 1]);
    expect(Array.from(tensors.u.data as Uint8Array)).toEqual([200]);
    expect(Array.from(tensors.i.data as Int32Array)).toEqual([-2]);
    expect(Array.from(tensors.d.data as Float64Array)).toEqual([Math.PI]);
  });
});

describe('safetensors writing', () => {
  test('produces exactly the bytes of the reference layout', () => {
    const chunks = encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: new Float32Array([1]) } });
    const header = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
    const padded = header + ' '.repeat((8 - (header.length % 8)) % 8);
    expect(concat(chunks)).toEqual(handMade(padded, le32(1)));
  });

  test('round-trips every dtype, scalars and empty tensors, with aligned offsets', () => {
    const file = path.join(dir, 'all.safetensors');
    const input = {
      'layers.0.conv.weight': { dtype: 'F32' as const, shape: [3, 1, 2, 2], data: Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)) },
      mask: { dtype: 'BOOL' as const, shape: [5], data: new Uint8Array([1, 0, 0, 1, 1]) },
      f64: { dtype: 'F64' as const, shape: [2], data: new Float64Array([1e-300, -7.25]) },
      i32: { dtype: 'I32' as const, shape: [3], data: new Int32Array([-(2 ** 31), 0, 2 ** 31 - 1]) },
      i64: { dtype: 'I64' as const, shape: [2], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]) },
      u8: { dtype: 'U8' as const, shape: [1, 3], data: new Uint8Array([0, 128, 255]) },
      scalar: { dtype: 'F32' as const, shape: [], data: new Float32Array([42]) },
      empty: { dtype: 'F32' as const, shape: [0, 4], data: new Float32Array(0) },
    };
    saveSafetensors(file, input, { epoch: '3', note: 'ünïcode' });
    const { tensors, metadata } = loadSafetensors(file);
    expect(metadata).toEqual({ epoch: '3', note: 'ünïcode' });
    for (const [name, t] of Object.entries(input)) {
      expect(tensors[name].dtype).toBe(t.dtype);
      expect(tensors[name].shape).toEqual(t.shape);
      expect(tensors[name].data).toEqual(t.data);
    }
    const header = readSafetensorsHeader(file);
    expect(header.dataStart % 8).toBe(0);
    for (const e of Object.values(header.entries)) {
      const width = e.dtype === 'F64' || e.dtype === 'I64' ? 8 : e.dtype === 'F32' || e.dtype === 'I32' ? 4 : 1;
      expect(e.dataOffsets[0] % width).toBe(0);
    }
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('converts other arrays to the dtype, with range checks', () => {
    const out = decodeSafetensors(
      concat(
        encodeSafetensors({
          m: { dtype: 'BOOL', shape: [3], data: new Float32Array([1, 0, 1]) },
          n: { dtype: 'I64', shape: [2], data: [5, -9] },
          f: { dtype: 'F32', shape: [2], data: new Float64Array([0.1, 2]) },
        }),
      ),
    );
    expect(Array.from(out.tensors.m.data as Uint8Array)).toEqual([1, 0, 1]);
    expect(out.tensors.n.data).toEqual(new BigInt64Array([5n, -9n]));
    expect(Array.from(out.tensors.f.data as Float32Array)).toEqual([Math.fround(0.1), 2]);
    expect(() => encodeSafetensors({ m: { dtype: 'BOOL', shape: [1], data: [2] } })).toThrow(/"m".*0 or 1|not an integer in \[0, 1\]/);
    expect(() => encodeSafetensors({ m: { dtype: 'U8', shape: [1], data: [256] } })).toThrow(RangeError);
    expect(() => encodeSafetensors({ m: { dtype: 'I32', shape: [1], data: [0.5] } })).toThrow(/element 0 is 0.5/);
    expect(() => encodeSafetensors({ m: { dtype: 'F32', shape: [2, 2], data: [1, 2, 3] } })).toThrow(/3 elements but shape \[2,2\] needs 4/);
    expect(() => encodeSafetensors({ m: { dtype: 'F16' as never, shape: [1], data: [1] } })).toThrow(/dtype F16/);
    expect(() => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [1], data: [1] } })).toThrow(/cannot be a tensor name/);
    expect(() => encodeSafetensors({}, { a: 3 as unknown as string })).toThrow(/metadata "a" must be a string/);
  });

  test('the async writer gives the same file, and a failed write names the directory and leaves nothing', async () => {
    const a = path.join(dir, 'sync.safetensors');
    const b = path.join(dir, 'async.safetensors');
    const t = { x: { dtype: 'F32' as const, shape: [3], data: new Float32Array([1, 2, 3]) } };
    saveSafetensors(a, t);
    await saveSafetensorsAsync(b, t);
    expect(fs.readFileSync(b)).toEqual(fs.readFileSync(a));
    const missing = path.join(dir, 'no-such-dir', 'x.safetensors');
    expect(() => saveSafetensors(missing, t)).toThrow(/no-such-dir.*mkdir -p/);
    await expect(saveSafetensorsAsync(missing, t)).rejects.toThrow(/mkdir -p/);
  });
});

describe('safetensors validation', () => {
  const good = concat(
    encodeSafetensors({
      a: { dtype: 'F32', shape: [4], data: new Float32Array([1, 2, 3, 4]) },
      b: { dtype: 'I32', shape: [2], data: new Int32Array([5, 6]) },
    }),
  );

  test('every truncation of a valid file throws a SafetensorsError naming the file', () => {
    for (let cut = 0; cut < good.length; cut++) {
      const file = path.join(dir, 'cut.safetensors');
      fs.writeFileSync(file, good.subarray(0, cut));
      let err: unknown;
      try {
        loadSafetensors(file);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SafetensorsError);
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).toMatch(/Fix: /);
    }
    fs.writeFileSync(path.join(dir, 'cut.safetensors'), good.subarray(0, good.length - 3));
    expect(() => loadSafetensors(path.join(dir, 'cut.safetensors'))).toThrow(/only \d+ bytes.*cut short/);
  });

  const cases: [string, Buffer, RegExp][] = [
    ['huge header length', handMade('{}', [], 1n << 60n), /implausible/],
    ['header past the end', handMade('{}', [], 500n), /only 2 follow/],
    ['not JSON', handMade('{"a": nope}', []), /not valid JSON/],
    ['not an object', handMade('[1,2]   ', []), /does not start with/],
    ['invalid UTF-8', handMade(Buffer.from([0x7b, 0xff, 0x7d]), []), /UTF-8/],
    ['unknown dtype', handMade('{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}', [0, 0]), /dtype F16.*not supported/],
    ['negative shape', handMade('{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}', []), /non-negative integers/],
    ['wrong byte count', handMade('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', [0, 0, 0, 0]), /span 4 bytes.*needs 8/],
    ['offsets out of range', handMade('{"a":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}', [1, 2]), /ends at byte 6.*only 2/],
    ['reversed offsets', handMade('{"a":{"dtype":"U8","shape":[0],"data_offsets":[2,1]}}', [1, 2]), /end before they begin/],
    [
      'overlapping tensors',
      handMade('{"a":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}', [1, 2, 3, 4]),
      /"a" and "b" overlap/,
    ],
    ['a hole', handMade('{"a":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}', [1, 2, 3]), /hole of 1 bytes/],
    ['trailing bytes', handMade('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', [1, 2]), /trailing bytes/],
    ['bad metadata', handMade('{"__metadata__":{"k":1}}', []), /metadata "k" is not a string/],
    ['bad BOOL byte', handMade('{"m":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}', [1, 7]), /byte 7 at element 1/],
  ];
  test.each(cases)('rejects %s', (_what, bytes, message) => {
    const file = path.join(dir, 'bad.safetensors');
    fs.writeFileSync(file, bytes);
    expect(() => loadSafetensors(file)).toThrow(SafetensorsError);
    expect(() => loadSafetensors(file)).toThrow(message);
    expect(() => loadSafetensors(file)).toThrow(file);
  });

  test('header-only reading validates the same way, and a missing file names the fix', () => {
    const file = path.join(dir, 'h.safetensors');
    fs.writeFileSync(file, good);
    expect(Object.keys(readSafetensorsHeader(file).entries).sort()).toEqual(['a', 'b']);
    fs.writeFileSync(file, good.subarray(0, good.length - 1));
    expect(() => readSafetensorsHeader(file)).toThrow(/cut short/);
    expect(() => loadSafetensors(path.join(dir, 'nope.safetensors'))).toThrow(/nope\.safetensors.*does not exist/);
  });
});
