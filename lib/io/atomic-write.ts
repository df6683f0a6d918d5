import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';

/** Bytes to write: one buffer, or several written back to back (no concatenation copy). */
export type FileChunks = Uint8Array | readonly Uint8Array[];

function chunkList(data: FileChunks): readonly Uint8Array[] {
  return data instanceof Uint8Array ? [data] : data;
}

/** A temp name in the destination's directory, so that the final rename never crosses filesystems. */
function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `.${base}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function fsyncDirectorySync(dir: string): void {
  // Persists the rename itself. Some platforms/filesystems refuse to open or fsync a
  // directory; the data is already durable then, so this is best effort.
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* best effort */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function writeAllSync(fd: number, chunk: Uint8Array): void {
  let done = 0;
  while (done < chunk.byteLength) done += fs.writeSync(fd, chunk, done, chunk.byteLength - done);
}

/**
 * Writes `data` to `file` atomically: a temp file in the same directory is written,
 * fsynced and renamed over `file`, so readers see either the old or the new content,
 * never a partial file (also after a crash). The parent directory must exist.
 * `mode` defaults to 0o644.
 */
export function writeFileAtomicSync(file: string, data: FileChunks, mode = 0o644): void {
  const target = path.resolve(file);
  const tmp = tempPathFor(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', mode);
    for (const chunk of chunkList(data)) writeAllSync(fd, chunk);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing */
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* never created, or already renamed */
    }
    throw atomicWriteError(target, e as NodeJS.ErrnoException);
  }
  fsyncDirectorySync(path.dirname(target));
}

/** Async form of {@link writeFileAtomicSync}; does not block the event loop on large files. */
export async function writeFileAtomic(file: string, data: FileChunks, mode = 0o644): Promise<void> {
  const target = path.resolve(file);
  const tmp = tempPathFor(target);
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(tmp, 'wx', mode);
    for (const chunk of chunkList(data)) {
      let done = 0;
      while (done < chunk.byteLength) {
        const { bytesWritten } = await handle.write(chunk, done, chunk.byteLength - done);
        done += bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.promises.rename(tmp, target);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.promises.unlink(tmp).catch(() => undefined);
    throw atomicWriteError(target, e as NodeJS.ErrnoException);
  }
  fsyncDirectorySync(path.dirname(target));
}

function atomicWriteError(target: string, e: NodeJS.ErrnoException): Error {
  const dir = path.dirname(target);
  let fix = 'check the path and free disk space';
  if (e.code === 'ENOENT') fix = `create the directory first (mkdir -p ${dir})`;
  else if (e.code === 'EACCES' || e.code === 'EPERM') fix = `make ${dir} writable or choose another output path`;
  else if (e.code === 'ENOSPC') fix = 'free disk space or write elsewhere';
  else if (e.code === 'EISDIR') fix = 'the target is a directory; give a file name';
  const err = new Error(`cannot write ${target}: ${e.message}. Fix: ${fix}.`);
  (err as NodeJS.ErrnoException).code = e.code;
  return err;
}
