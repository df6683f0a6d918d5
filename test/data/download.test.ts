import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { DatasetError } from '../../lib/data/dataset';
import { downloadFile, DownloadProgress, FetchLike } from '../../lib/data/download';
import { loadDataset } from '../../lib/data/registry';
import { cifarRecords, tarBytes } from './format-writers';

let dir: string;
let server: http.Server;
let base: string;
const payload = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 17) & 255));

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pai-download-'));
  server = http.createServer((req, res) => {
    if (req.url === '/file.bin') {
      res.writeHead(200, { 'content-length': String(payload.length) });
      // Several writes, so that progress is reported more than once.
      for (let i = 0; i < payload.length; i += 50_000) res.write(payload.subarray(i, i + 50_000));
      res.end();
    } else if (req.url === '/short.bin') {
      res.writeHead(200, { 'content-length': String(payload.length) });
      res.write(payload.subarray(0, 1000), () => res.socket?.destroy());
    } else {
      res.writeHead(404, 'Not Found');
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

const noPartials = (d: string): string[] => fs.readdirSync(d).filter((f) => f.endsWith('.part'));

test('downloads over HTTP with progress and an MD5 check, creating the directory', async () => {
  const dest = path.join(dir, 'sub', 'file.bin');
  const seen: DownloadProgress[] = [];
  const md5 = createHash('md5').update(payload).digest('hex');
  await downloadFile(`${base}/file.bin`, dest, { md5, onProgress: (p) => seen.push({ ...p }) });
  expect(fs.readFileSync(dest).equals(payload)).toBe(true);
  expect(seen.length).toBeGreaterThan(0);
  expect(seen[seen.length - 1]).toEqual({ url: `${base}/file.bin`, receivedBytes: payload.length, totalBytes: payload.length });
  for (let i = 1; i < seen.length; i++) expect(seen[i].receivedBytes).toBeGreaterThan(seen[i - 1].receivedBytes);
});

test('a wrong MD5, an HTTP error and a short body fail, name the URL and leave no file', async () => {
  const dest = path.join(dir, 'bad.bin');
  await expect(downloadFile(`${base}/file.bin`, dest, { md5: '0'.repeat(32) })).rejects.toThrow(/file\.bin: the downloaded file has MD5 [0-9a-f]{32}, expected 0{32}/);
  await expect(downloadFile(`${base}/missing.bin`, dest)).rejects.toThrow(/missing\.bin: the server answered 404 Not Found/);
  await expect(downloadFile(`${base}/short.bin`, dest)).rejects.toThrow(/short\.bin: the download (broke off|ended) after \d+ (of \d+ )?bytes/);
  expect(fs.existsSync(dest)).toBe(false);
  expect(noPartials(dir)).toEqual([]);
});

test('without a network (an unreachable address) the error says so and how to get the file by hand', async () => {
  const dest = path.join(dir, 'x.tar.gz');
  // A loopback port that was just closed refuses connections: the same failure path as no internet.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const url = `http://127.0.0.1:${port}/cifar.tar.gz`;
  const err = await downloadFile(url, dest).then(() => null, (e: Error) => e);
  expect(err).toBeInstanceOf(DatasetError);
  expect(err?.message).toMatch(/could not download \(fetch failed: ECONNREFUSED\); this machine seems to have no internet access\. Fix: download /);
  expect(err?.message.startsWith(`${url}: `)).toBe(true);
  expect(err?.message).toContain(`${url} on a machine with internet access and copy it to ${dest}`);
  expect(fs.existsSync(dest)).toBe(false);
});

test('loadDataset cifar10 with download: an injected fetch feeds the archive, then it is read', async () => {
  const members = [1, 2, 3, 4, 5].map((b) => ({ name: `cifar-10-batches-bin/data_batch_${b}.bin`, data: cifarRecords([[b]], () => b) }));
  members.push({ name: 'cifar-10-batches-bin/test_batch.bin', data: cifarRecords([[0], [1]], () => 7) });
  const gz = zlib.gzipSync(tarBytes(members));
  const urls: string[] = [];
  const fakeFetch: FetchLike = async (url) => {
    urls.push(url);
    return {
      ok: true,
      status: 200,
      statusText: 'OK',
      headers: { get: (h: string) => (h === 'content-length' ? String(gz.length) : null) },
      body: (async function* () {
        yield gz.subarray(0, 100);
        yield gz.subarray(100);
      })(),
    };
  };
  const dataDir = path.join(dir, 'cifar-root');
  const progress: number[] = [];
  const splits = await loadDataset('cifar10', { dataDir, download: true, fetch: fakeFetch, url: 'https://mirror.example/c10.tar.gz', onProgress: (p) => progress.push(p.receivedBytes) });
  expect(urls).toEqual(['https://mirror.example/c10.tar.gz']);
  expect(progress).toEqual([100, gz.length]);
  expect(fs.existsSync(path.join(dataDir, 'cifar-10-binary.tar.gz'))).toBe(true);
  expect(Array.from(splits.train.labels)).toEqual([1, 2, 3, 4, 5]);
  expect(splits.test.labels.length).toBe(2);
  // Present now: a second load does not fetch again.
  await loadDataset('cifar10', { dataDir, download: true, fetch: fakeFetch });
  expect(urls.length).toBe(1);
});

test('loadDataset cifar100 with download and a failing fetch reports no internet and the manual fix', async () => {
  const failing: FetchLike = async () => {
    throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } });
  };
  const dataDir = path.join(dir, 'c100');
  await expect(loadDataset('cifar100', { dataDir, download: true, fetch: failing })).rejects.toThrow(
    /cifar-100-binary\.tar\.gz: could not download \(fetch failed: ENOTFOUND\); this machine seems to have no internet access\. Fix: download https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar-100-binary\.tar\.gz on a machine with internet access and copy it to .*c100\/cifar-100-binary\.tar\.gz/,
  );
  await expect(loadDataset('cifar100', { dataDir })).rejects.toThrow(/c100: no cifar100 binary data here/);
});
