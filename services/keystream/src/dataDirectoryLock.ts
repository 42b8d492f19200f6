/**
 * One writer per part of a data directory (the event log, the read model, the process managers'
 * state, the relay's checkpoints). A writing store keeps state in memory that is only valid while
 * no other process writes the same files (the event store's next position, the read store's
 * head), so two writers would hand out the same positions and corrupt the read model. Processes
 * that write different parts share a directory (an api process and a projector); a process takes
 * the lock of every part it writes before it opens anything there.
 *
 * The lock is a kernel object, not a file: on Linux a listening Unix socket in the abstract
 * namespace named after the directory's real path and the part. Binding it is atomic, and the kernel releases
 * it when the process dies however it dies, so a crashed process never leaves a stale lock behind.
 * A `keystream.<part>.pid` file beside the data says who holds it, for the message a second process
 * prints. Elsewhere (no abstract namespace) the pid file is the lock, taken with O_EXCL, and a
 * file naming a process that no longer runs is stale and taken over.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';

/** The file naming the process that holds a part of a directory. */
export function pidFileOf(part: string): string {
  return `keystream.${part}.pid`;
}

/** What each part is, for the message a refused process prints. */
const PART_WORDS: Readonly<Record<string, string>> = {
  'event-log': 'its event log',
  'read-model': 'its read model',
  'process-managers': "its process managers' state",
  relay: "its relay's checkpoints",
};

/** Another live process holds the directory. */
export class DataDirectoryInUseError extends Error {
  override readonly name = 'DataDirectoryInUseError';
  constructor(
    readonly directory: string,
    readonly part: string,
    readonly holderPid: number | undefined,
  ) {
    super(
      `the data directory ${directory} is in use by another keystream process that writes ${PART_WORDS[part] ?? part}` +
        `${holderPid === undefined ? '' : ` (pid ${holderPid})`}; stop it first, run this one with another --role, or give it its own KEYSTREAM_DATA_DIR`,
    );
  }
}

/** A held lock; release it after the stores closed. */
export interface DataDirectoryLock {
  readonly directory: string;
  readonly part: string;
  release(): Promise<void>;
}

function holderOf(directory: string, part: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(directory, pidFileOf(part)), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function writePidFile(directory: string, part: string, exclusive: boolean): void {
  writeFileSync(path.join(directory, pidFileOf(part)), `${process.pid}\n`, { flag: exclusive ? 'wx' : 'w' });
}

function removePidFile(directory: string, part: string): void {
  // Only our own: after a takeover the file may name the process that took it over.
  if (holderOf(directory, part) !== process.pid) return;
  try {
    unlinkSync(path.join(directory, pidFileOf(part)));
  } catch {
    // Already gone: nothing to release.
  }
}

/** Linux: the abstract-namespace socket that is the lock. */
async function lockWithAbstractSocket(directory: string, part: string): Promise<DataDirectoryLock> {
  const name = `\0keystream-data-dir-${createHash('sha256').update(`${directory}\0${part}`).digest('hex').slice(0, 40)}`;
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new DataDirectoryInUseError(directory, part, holderOf(directory, part)) : error);
    });
    server.listen(name, () => {
      resolve();
    });
  });
  // The lock must not keep the process alive by itself.
  server.unref();
  try {
    writePidFile(directory, part, false);
  } catch {
    // Only says who holds the lock (the socket is the lock); a full disk must not stop a start
    // that can still serve reads.
  }
  return {
    directory,
    part,
    async release() {
      removePidFile(directory, part);
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  };
}

/** Elsewhere: the pid file, created exclusively; a dead holder's file is taken over. */
function lockWithPidFile(directory: string, part: string): DataDirectoryLock {
  for (let attempt = 0; ; attempt += 1) {
    try {
      writePidFile(directory, part, true);
      return {
        directory,
        part,
        release() {
          removePidFile(directory, part);
          return Promise.resolve();
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = holderOf(directory, part);
      if (attempt > 0 || (holder !== undefined && isRunning(holder))) throw new DataDirectoryInUseError(directory, part, holder);
      unlinkSync(path.join(directory, pidFileOf(part)));
    }
  }
}

/** Locks `part` of `directory` (created if missing) for this process, or throws DataDirectoryInUseError. */
export async function lockDataDirectory(directory: string, part: string): Promise<DataDirectoryLock> {
  mkdirSync(directory, { recursive: true });
  // Two spellings of one directory (a symlink, a relative path) must meet on the same lock.
  const real = realpathSync(directory);
  return process.platform === 'linux' ? lockWithAbstractSocket(real, part) : lockWithPidFile(real, part);
}

/** Locks each part in turn; on a refusal releases what it took and rethrows. */
export async function lockDataDirectories(parts: readonly { readonly directory: string; readonly part: string }[]): Promise<DataDirectoryLock[]> {
  const held: DataDirectoryLock[] = [];
  const seen = new Set<string>();
  try {
    for (const { directory, part } of parts) {
      if (seen.has(`${directory}\0${part}`)) continue;
      seen.add(`${directory}\0${part}`);
      held.push(await lockDataDirectory(directory, part));
    }
    return held;
  } catch (error) {
    await Promise.all(held.map((lock) => lock.release()));
    throw error;
  }
}
