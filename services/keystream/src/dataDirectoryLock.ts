/**
 * One process per data directory. The embedded stores keep state in memory that is only valid
 * while no other process writes the same files (the event store's next position, the read store's
 * head), so two processes on one directory would hand out the same positions and corrupt the
 * read model. A process takes this lock on every directory it keeps embedded data in before it
 * opens anything there.
 *
 * The lock is a kernel object, not a file: on Linux a listening Unix socket in the abstract
 * namespace named after the directory's real path. Binding it is atomic, and the kernel releases
 * it when the process dies however it dies, so a crashed process never leaves a stale lock behind.
 * A `keystream.pid` file beside the data says who holds it, for the message a second process
 * prints. Elsewhere (no abstract namespace) the pid file is the lock, taken with O_EXCL, and a
 * file naming a process that no longer runs is stale and taken over.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';

/** The file naming the process that holds a directory. */
export const PID_FILE = 'keystream.pid';

/** Another live process holds the directory. */
export class DataDirectoryInUseError extends Error {
  override readonly name = 'DataDirectoryInUseError';
  constructor(
    readonly directory: string,
    readonly holderPid: number | undefined,
  ) {
    super(
      `the data directory ${directory} is in use by another keystream process` +
        `${holderPid === undefined ? '' : ` (pid ${holderPid})`}; stop it first, or give this one its own KEYSTREAM_DATA_DIR`,
    );
  }
}

/** A held lock; release it after the stores closed. */
export interface DataDirectoryLock {
  readonly directory: string;
  release(): Promise<void>;
}

function holderOf(directory: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path.join(directory, PID_FILE), 'utf8'), 10);
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

function writePidFile(directory: string, exclusive: boolean): void {
  writeFileSync(path.join(directory, PID_FILE), `${process.pid}\n`, { flag: exclusive ? 'wx' : 'w' });
}

function removePidFile(directory: string): void {
  // Only our own: after a takeover the file may name the process that took it over.
  if (holderOf(directory) !== process.pid) return;
  try {
    unlinkSync(path.join(directory, PID_FILE));
  } catch {
    // Already gone: nothing to release.
  }
}

/** Linux: the abstract-namespace socket that is the lock. */
async function lockWithAbstractSocket(directory: string): Promise<DataDirectoryLock> {
  const name = `\0keystream-data-dir-${createHash('sha256').update(directory).digest('hex').slice(0, 40)}`;
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new DataDirectoryInUseError(directory, holderOf(directory)) : error);
    });
    server.listen(name, () => {
      resolve();
    });
  });
  // The lock must not keep the process alive by itself.
  server.unref();
  try {
    writePidFile(directory, false);
  } catch {
    // Only says who holds the lock (the socket is the lock); a full disk must not stop a start
    // that can still serve reads.
  }
  return {
    directory,
    async release() {
      removePidFile(directory);
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  };
}

/** Elsewhere: the pid file, created exclusively; a dead holder's file is taken over. */
function lockWithPidFile(directory: string): DataDirectoryLock {
  for (let attempt = 0; ; attempt += 1) {
    try {
      writePidFile(directory, true);
      return {
        directory,
        release() {
          removePidFile(directory);
          return Promise.resolve();
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = holderOf(directory);
      if (attempt > 0 || (holder !== undefined && isRunning(holder))) throw new DataDirectoryInUseError(directory, holder);
      unlinkSync(path.join(directory, PID_FILE));
    }
  }
}

/** Locks `directory` (created if missing) for this process, or throws DataDirectoryInUseError. */
export async function lockDataDirectory(directory: string): Promise<DataDirectoryLock> {
  mkdirSync(directory, { recursive: true });
  // Two spellings of one directory (a symlink, a relative path) must meet on the same lock.
  const real = realpathSync(directory);
  return process.platform === 'linux' ? lockWithAbstractSocket(real) : lockWithPidFile(real);
}

/** Locks each directory in turn; on a refusal releases what it took and rethrows. */
export async function lockDataDirectories(directories: readonly string[]): Promise<DataDirectoryLock[]> {
  const held: DataDirectoryLock[] = [];
  try {
    for (const directory of [...new Set(directories)]) held.push(await lockDataDirectory(directory));
    return held;
  } catch (error) {
    await Promise.all(held.map((lock) => lock.release()));
    throw error;
  }
}
