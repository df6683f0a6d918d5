import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DatasetError } from '../../lib/data/dataset';
import { readTar, tarMemberPath } from '../../lib/data/tar';
import { tarBytes } from './format-writers';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pai-tar-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 255);

function hasTar(): boolean {
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('lists members of a hand-built ustar archive, including a long name with a prefix', () => {
  const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/file.bin`;
  const archive = tarBytes([
    { name: 'top/' },
    { name: 'top/a.bin', data: bytes(1000, 1) },
    { name: 'top/empty' , data: new Uint8Array(0) },
    { name: long, data: bytes(512, 2) },
  ]);
  const entries = readTar(archive, 'hand.tar');
  expect(entries.map((e) => [e.name, e.type, e.data.length])).toEqual([
    ['top/', 'directory', 0],
    ['top/a.bin', 'file', 1000],
    ['top/empty', 'file', 0],
    [long, 'file', 512],
  ]);
  expect(entries[1].data).toEqual(bytes(1000, 1));
  expect(entries[3].data).toEqual(bytes(512, 2));
  expect(tarMemberPath('./top/x/')).toBe('top/x');
});

(hasTar() ? test : test.skip)('reads archives made by the system tar (GNU and pax formats, long names)', () => {
  const src = path.join(dir, 'src');
  const deep = path.join(src, 'cifar-10-batches-bin', 'x'.repeat(120));
  fs.mkdirSync(deep, { recursive: true });
  fs.writeFileSync(path.join(src, 'cifar-10-batches-bin', 'data.bin'), bytes(3073 * 3, 5));
  fs.writeFileSync(path.join(deep, 'n\u00e4me.txt'), 'hello');
  for (const format of ['gnu', 'pax', 'ustar']) {
    const out = path.join(dir, `a-${format}.tar`);
    try {
      execFileSync('tar', [`--format=${format}`, '-cf', out, '-C', src, '.'], { stdio: 'ignore' });
    } catch {
      // ustar cannot hold a 120-character path component; the other formats must work.
      expect(format).toBe('ustar');
      continue;
    }
    const files = new Map(readTar(fs.readFileSync(out), out).filter((e) => e.type === 'file').map((e) => [tarMemberPath(e.name), e.data]));
    expect(files.get('cifar-10-batches-bin/data.bin')).toEqual(bytes(3073 * 3, 5));
    expect(Buffer.from(files.get(`cifar-10-batches-bin/${'x'.repeat(120)}/n\u00e4me.txt`) as Uint8Array).toString()).toBe('hello');
  }
});

test('every truncation before the end-of-archive block throws a DatasetError naming the archive', () => {
  const archive = tarBytes([{ name: 'a', data: bytes(700, 3) }, { name: 'b', data: bytes(10, 4) }]);
  const end = archive.length - 1024;
  const cuts = [0, 1, 511, 512, 513, 1211, 1212, 1535, 1536, 2047, 2048, 2559, end, end + 511];
  for (let cut = 5; cut < end; cut += 37) cuts.push(cut);
  for (const cut of cuts) {
    expect(() => readTar(archive.subarray(0, cut), 'cut.tar')).toThrow(DatasetError);
    expect(() => readTar(archive.subarray(0, cut), 'cut.tar')).toThrow(/^cut\.tar: the tar archive is truncated/);
  }
  expect(readTar(archive.subarray(0, end + 512), 'one-zero-block.tar')).toHaveLength(2);
});

test('a corrupt header fails its checksum; a non-tar file is rejected', () => {
  const archive = tarBytes([{ name: 'a', data: bytes(10, 3) }]);
  archive[3] ^= 1;
  expect(() => readTar(archive, 'bad.tar')).toThrow(/bad\.tar: tar header at byte 0 has a bad checksum/);
  const notTar = Buffer.alloc(1024, 0x41);
  expect(() => readTar(notTar, 'text.tar')).toThrow(/not an octal number|bad checksum/);
});
