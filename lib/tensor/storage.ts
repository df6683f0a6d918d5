import type { Backend, DType, Storage } from '../backend/backend';
import { noteBytes } from './memory';

/**
 * A reference-counted backend storage shared by a tensor and its views (reshape, detach,
 * slice). The storage goes back to its backend when the last tensor using it is disposed.
 * Wrapped host arrays (a parameter arena) and subviews never return to the allocator.
 */
export class StorageRef {
  private refs = 1;
  /** Bumped by every in-place write (copy_, fill_, mulInPlace_), so that facts recorded about the values can tell they changed. */
  version = 0;

  constructor(
    readonly backend: Backend,
    readonly data: Storage,
    readonly size: number,
    readonly dtype: DType,
    /** Whether the backend allocated it (and so frees it). */
    private readonly owned: boolean,
    /** The storage this one is a window into, kept alive while this one lives. */
    private readonly parent: StorageRef | null = null,
  ) {
    noteBytes(this.bytes);
  }

  /** Size in bytes. */
  get bytes(): number {
    return this.size * (this.dtype === 'float32' ? 4 : 8);
  }

  /** Whether another tensor (a view, or the tensor this one is a window of) uses the same memory. */
  get isShared(): boolean {
    return this.refs > 1 || this.parent !== null;
  }

  /** Another user of this storage. */
  retain(): StorageRef {
    this.refs++;
    return this;
  }

  /** Drops one user; the last one frees the storage. */
  release(): void {
    if (--this.refs > 0) return;
    noteBytes(-this.bytes);
    if (this.owned) this.backend.free(this.data, this.size, this.dtype);
    if (this.parent) this.parent.release();
  }

  /** A window [offset, offset + size) sharing this storage, or null if the backend cannot share. */
  window(offset: number, size: number): StorageRef | null {
    if (!this.backend.subview) return null;
    const data = this.backend.subview(this.data, offset, size);
    return new StorageRef(this.backend, data, size, this.dtype, false, this.retain());
  }
}
