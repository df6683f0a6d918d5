import * as os from 'os';
import type { DType, HostArray } from '../backend';

/**
 * Default cap of the recycling cache: a quarter of the machine's memory, at most 4 GiB, so a
 * VGG-16 step at batch 128 (about 1.5 GB of activations and gradients) recycles everything.
 * PAI_HOST_CACHE_MB overrides.
 */
const DEFAULT_CACHE_BYTES = Math.min(4 * 1024 ** 3, Math.floor(os.totalmem() / 4));

/** Arrays of at least this many bytes are placed on a cache-line boundary when the host can tell where a buffer lies. */
const ALIGN_MIN_BYTES = 4096;
const LINE = 64;

/** Options of {@link HostMemory}. */
export interface HostMemoryOptions {
  /**
   * The byte address of an ArrayBuffer's data modulo 64 (the cpu backend's native probe).
   * With it, arrays of 4 KiB and more start on a 64-byte cache line. Node's large buffers
   * start 16 bytes past one, so every 64-byte vector load of them straddles two lines (a
   * VGG-16-BN step at 1% density: 127 -> 117 ms aligned, most of it in batch norm).
   */
  addressMod64?: (buffer: ArrayBuffer) => number;
}

/**
 * Host storage with a recycling cache keyed by exact length and dtype. Training repeats the
 * same shapes every step, so recycling avoids zero-filling and garbage-collecting large
 * ArrayBuffers (V8 frees those only on a full GC, long after dispose()).
 */
export class HostMemory {
  private readonly cache = new Map<number, HostArray[]>();
  private cachedBytes = 0;
  private liveBytes = 0;
  private readonly capacity: number;

  private readonly addressMod64: ((buffer: ArrayBuffer) => number) | undefined;

  constructor(options: HostMemoryOptions = {}) {
    const mb = Number(process.env.PAI_HOST_CACHE_MB);
    this.capacity = Number.isFinite(mb) && mb >= 0 ? mb * 1024 * 1024 : DEFAULT_CACHE_BYTES;
    this.addressMod64 = options.addressMod64;
  }

  /** A new zero-filled array, on a cache-line boundary when it is large and the probe is set. */
  private create(size: number, dtype: DType): HostArray {
    const element = dtype === 'float32' ? 4 : 8;
    const bytes = size * element;
    const probe = this.addressMod64;
    if (probe !== undefined && bytes >= ALIGN_MIN_BYTES) {
      const buffer = new ArrayBuffer(bytes + LINE);
      const skip = (LINE - probe(buffer)) % LINE;
      if (skip % element === 0) return dtype === 'float32' ? new Float32Array(buffer, skip, size) : new Float64Array(buffer, skip, size);
    }
    return dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
  }

  private static key(size: number, dtype: DType): number {
    return dtype === 'float32' ? 2 * size : 2 * size + 1;
  }

  /** An array of `size` elements, recycled (stale contents) when one is cached. */
  alloc(size: number, dtype: DType): HostArray {
    const bytes = size * (dtype === 'float32' ? 4 : 8);
    this.liveBytes += bytes;
    const list = this.cache.get(HostMemory.key(size, dtype));
    if (list !== undefined && list.length > 0) {
      this.cachedBytes -= bytes;
      return list.pop()!;
    }
    return this.create(size, dtype);
  }

  /** An array of `size` zeros. */
  zeros(size: number, dtype: DType): HostArray {
    const bytes = size * (dtype === 'float32' ? 4 : 8);
    const list = this.cache.get(HostMemory.key(size, dtype));
    if (list !== undefined && list.length > 0) {
      this.liveBytes += bytes;
      this.cachedBytes -= bytes;
      const a = list.pop()!;
      a.fill(0);
      return a;
    }
    this.liveBytes += bytes;
    return this.create(size, dtype);
  }

  /** Returns an array obtained from alloc/zeros to the cache (or to the GC when full). */
  free(a: HostArray): void {
    const bytes = a.byteLength;
    this.liveBytes -= bytes;
    if (this.cachedBytes + bytes > this.capacity) return;
    const dtype: DType = a instanceof Float32Array ? 'float32' : 'float64';
    const key = HostMemory.key(a.length, dtype);
    let list = this.cache.get(key);
    if (list === undefined) this.cache.set(key, (list = []));
    list.push(a);
    this.cachedBytes += bytes;
  }

  /** Counts an array the caller allocated itself (fromHost) as live. */
  adopt(a: HostArray): HostArray {
    this.liveBytes += a.byteLength;
    return a;
  }

  /** Live plus cached bytes. */
  bytes(): number {
    return this.liveBytes + this.cachedBytes;
  }

  /** Drops the cache. */
  release(): void {
    this.cache.clear();
    this.cachedBytes = 0;
  }
}
