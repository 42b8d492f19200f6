/**
 * Notices commits another process makes to an LMDB environment, so a process that only reads a
 * store (a projector, relay or gateway beside the process that writes it) learns of new data
 * without asking. LMDB writes committed pages to `data.mdb` with ordinary writes (keystream never
 * maps it writable), so the kernel's file-change notification (inotify) fires on every commit;
 * that is the fast path, about a millisecond. A poll timer is the fallback where notifications are
 * not delivered (some network or container file systems) and after a notification error.
 *
 * `onCommit` runs asynchronously, coalesced (a burst of file events is one call), and must be
 * cheap when nothing changed: it reads the store's head and compares.
 */
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** Default fallback poll interval. */
export const COMMIT_POLL_MILLISECONDS = 250;

/** A running watch; close it before closing the store. */
export interface EnvironmentCommitWatch {
  close(): void;
}

/** Calls `onCommit` after the LMDB environment in `directory` may have changed. */
export function watchEnvironmentCommits(directory: string, onCommit: () => void, options: { readonly pollMilliseconds?: number } = {}): EnvironmentCommitWatch {
  let closed = false;
  let scheduled = false;
  const run = (): void => {
    scheduled = false;
    if (!closed) onCommit();
  };
  const schedule = (): void => {
    if (closed || scheduled) return;
    scheduled = true;
    setImmediate(run);
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(path.join(directory, 'data.mdb'), { persistent: false }, schedule);
    // A watcher that fails (the file replaced, the watch limit reached) leaves the poll to do the work.
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    watcher = undefined;
  }
  const poll = setInterval(schedule, options.pollMilliseconds ?? COMMIT_POLL_MILLISECONDS);
  poll.unref();
  return {
    close() {
      closed = true;
      clearInterval(poll);
      watcher?.close();
    },
  };
}
