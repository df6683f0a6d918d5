import * as fs from 'fs';
import * as path from 'path';
import { createHash, randomBytes } from 'crypto';
import { DatasetError } from './dataset';

/** Progress of a download, reported after each received chunk. */
export interface DownloadProgress {
  url: string;
  receivedBytes: number;
  /** From Content-Length; null when the server does not say. */
  totalBytes: number | null;
}

/** The subset of the WHATWG fetch API a download needs; injectable for tests and proxies. */
export type FetchLike = (url: string, init?: { signal?: AbortSignal }) => Promise<{
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  body: AsyncIterable<Uint8Array> | null;
}>;

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  /** Defaults to the global fetch of Node 20. */
  fetch?: FetchLike;
  onProgress?: (p: DownloadProgress) => void;
  /** Expected MD5 (hex); a mismatch deletes the download and throws. */
  md5?: string;
  signal?: AbortSignal;
}

function describeFailure(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message}: ${cause}` : err.message;
}

/**
 * Downloads `url` to `dest`: streamed to a temp file beside it, checked against `md5`,
 * fsynced and renamed, so an interrupted download never leaves a partial `dest`.
 * Creates the destination directory. Failures (no network, HTTP errors, checksum) are
 * DatasetErrors that name the URL and say how to get the file by hand.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadOptions = {}): Promise<void> {
  const target = path.resolve(dest);
  const manual = `download ${url} on a machine with internet access and copy it to ${target}`;
  const fetchFn: FetchLike = opts.fetch ?? (globalThis.fetch as unknown as FetchLike);
  if (typeof fetchFn !== 'function') throw new DatasetError(url, 'this Node.js has no fetch()', manual);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await fetchFn(url, { signal: opts.signal });
  } catch (e) {
    throw new DatasetError(url, `could not download (${describeFailure(e)}); this machine seems to have no internet access`, manual);
  }
  if (!res.ok || !res.body) {
    throw new DatasetError(url, `the server answered ${res.status} ${res.statusText}`.trimEnd(), manual);
  }
  const lengthHeader = res.headers.get('content-length');
  const totalBytes = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.part`);
  const hash = createHash('md5');
  let receivedBytes = 0;
  const handle = await fs.promises.open(tmp, 'wx');
  try {
    try {
      for await (const chunk of res.body) {
        hash.update(chunk);
        let done = 0;
        while (done < chunk.byteLength) done += (await handle.write(chunk, done, chunk.byteLength - done)).bytesWritten;
        receivedBytes += chunk.byteLength;
        opts.onProgress?.({ url, receivedBytes, totalBytes });
      }
    } catch (e) {
      throw new DatasetError(url, `the download broke off after ${receivedBytes} bytes (${describeFailure(e)})`, `run again, or ${manual}`);
    }
    if (totalBytes !== null && receivedBytes !== totalBytes) {
      throw new DatasetError(url, `the download ended after ${receivedBytes} of ${totalBytes} bytes`, `run again, or ${manual}`);
    }
    const md5 = hash.digest('hex');
    if (opts.md5 && md5 !== opts.md5.toLowerCase()) {
      throw new DatasetError(url, `the downloaded file has MD5 ${md5}, expected ${opts.md5}`, `run again, or ${manual}`);
    }
    await handle.sync();
    await handle.close();
    await fs.promises.rename(tmp, target);
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fs.promises.unlink(tmp).catch(() => undefined);
    throw e;
  }
}
