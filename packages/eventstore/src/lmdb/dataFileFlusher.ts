/**
 * Puts an LMDB environment's data file on disk (fdatasync), coalesced: a call while a flush runs
 * waits for one more flush started after it (the running one may have begun before the caller's
 * pages were written), and every call made meanwhile shares that next flush. fdatasync writes
 * out every dirty page of the file whichever process or thread wrote it, and a read-only
 * descriptor is enough on Linux, so the event store's writer and its followers use the same.
 */
import { open, type FileHandle } from 'node:fs/promises';

export class DataFileFlusher {
  private file: FileHandle | undefined;
  private current: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(
    private readonly dataFile: string,
    /** Replaces the fdatasync (tests that hold a flush back). */
    private readonly flushFile?: (dataFile: string) => Promise<void>,
  ) {}

  /** Resolves once everything written to the file before this call is on disk. */
  flush(): Promise<void> {
    if (this.next !== undefined) return this.next;
    if (this.current === undefined) return this.start();
    const next = this.current
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.start();
      });
    this.next = next;
    return next;
  }

  /** Waits for a flush in progress, then closes the descriptor. */
  async close(): Promise<void> {
    await (this.next ?? this.current)?.catch(() => undefined);
    await this.file?.close();
    this.file = undefined;
  }

  private start(): Promise<void> {
    const running: Promise<void> = this.sync().finally(() => {
      if (this.current === running) this.current = undefined;
    });
    this.current = running;
    return running;
  }

  private async sync(): Promise<void> {
    if (this.flushFile !== undefined) return this.flushFile(this.dataFile);
    this.file ??= await open(this.dataFile, 'r');
    await this.file.datasync();
  }
}
