import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeFileAtomic, writeFileAtomicSync } from '../../lib/io/atomic-write';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pai-atomic-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const leftovers = (): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'));

test('writes chunks back to back and replaces an existing file', async () => {
  const file = path.join(dir, 'a.bin');
  fs.writeFileSync(file, 'old content that is longer');
  writeFileAtomicSync(file, [Buffer.from('ab'), new Uint8Array([0x63]), new Uint8Array(0)]);
  expect(fs.readFileSync(file, 'utf8')).toBe('abc');
  await writeFileAtomic(file, Buffer.from('xyz'));
  expect(fs.readFileSync(file, 'utf8')).toBe('xyz');
  expect(leftovers()).toEqual([]);
});

test('writes a subarray view without its surrounding bytes', () => {
  const file = path.join(dir, 'view.bin');
  const whole = new Uint8Array([1, 2, 3, 4, 5]);
  writeFileAtomicSync(file, whole.subarray(1, 3));
  expect([...fs.readFileSync(file)]).toEqual([2, 3]);
});

test('a failed write keeps the old file, removes its temp file and names the fix', async () => {
  const sub = path.join(dir, 'is-a-dir');
  fs.mkdirSync(sub);
  expect(() => writeFileAtomicSync(sub, Buffer.from('x'))).toThrow(/is-a-dir/);
  expect(fs.statSync(sub).isDirectory()).toBe(true);
  expect(() => writeFileAtomicSync(path.join(dir, 'missing', 'f'), Buffer.from('x'))).toThrow(/Fix: create the directory first/);
  await expect(writeFileAtomic(path.join(dir, 'missing', 'f'), Buffer.from('x'))).rejects.toThrow(/ENOENT|no such file/);
  expect(leftovers()).toEqual([]);
  expect(fs.readdirSync(sub)).toEqual([]);
});
