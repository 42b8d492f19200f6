/**
 * Remembers that a store's storage is full, for /readyz and the `keystream_storage_full` gauge.
 *
 * "The last commit failed" is not enough: on a full disk LMDB can still find a few free pages
 * inside its file, so a small background commit (a process manager's event, a checkpoint) may
 * succeed between two refused client writes and would clear the alarm while the disk is as full
 * as before. So a commit clears it only once the file system also has room again.
 */
import { statfsSync } from 'node:fs';

/** Free space below which a store that found its disk full still counts as full. */
export const STORAGE_FREE_MARGIN_BYTES = 1024 * 1024;

export class StorageFullLatch {
  private failure: Error | undefined;

  constructor(
    /** A directory on the store's file system. */
    private readonly directory: string,
    private readonly freeMarginBytes = STORAGE_FREE_MARGIN_BYTES,
  ) {}

  /** A commit found no space. */
  noteNoSpace(cause: Error): void {
    this.failure = this.failure ?? cause;
  }

  /** A commit succeeded: the alarm ends if the file system has room again. */
  noteCommitted(): void {
    if (this.failure !== undefined && this.freeBytes() >= this.freeMarginBytes) this.failure = undefined;
  }

  /** Why writes fail for lack of storage, while they do. */
  problem(): string | undefined {
    return this.failure?.message;
  }

  private freeBytes(): number {
    try {
      const stats = statfsSync(this.directory);
      return stats.bavail * stats.bsize;
    } catch {
      // No answer from the file system: the successful commit is the best evidence there is.
      return Number.POSITIVE_INFINITY;
    }
  }
}
