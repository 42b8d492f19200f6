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
 *
 * The socket also answers whoever connects with the part's status (PartStatus), so a process that
 * follows a part another process writes learns what only the writer can see — that its disk is
 * full — without a file (which a full disk could not hold) or a parent in common.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
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

/** What the writer of a part tells a process that follows it. */
export interface PartStatus {
  /** Why the writer cannot write the part for lack of storage, while it cannot. */
  readonly storageProblem?: string;
}

/** A held lock; release it after the stores closed. */
export interface DataDirectoryLock {
  readonly directory: string;
  readonly part: string;
  /** What the lock answers a follower from now on (nothing is known until this is called). */
  reportStatus(status: () => PartStatus): void;
  release(): Promise<void>;
}

/** Sends a connecting follower the status, one JSON line, and closes. */
class StatusReporter {
  private status: () => PartStatus = () => ({});

  set(status: () => PartStatus): void {
    this.status = status;
  }

  answer(socket: Socket): void {
    let text: string;
    try {
      text = JSON.stringify(this.status());
    } catch {
      text = '{}';
    }
    socket.on('error', () => undefined);
    socket.end(`${text}\n`);
  }
}

function abstractSocketName(directory: string, part: string): string {
  return `\0keystream-data-dir-${createHash('sha256').update(`${directory}\0${part}`).digest('hex').slice(0, 40)}`;
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
  const reporter = new StatusReporter();
  const server: Server = createServer((socket) => {
    reporter.answer(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new DataDirectoryInUseError(directory, part, holderOf(directory, part)) : error);
    });
    server.listen(abstractSocketName(directory, part), () => {
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
    reportStatus(status) {
      reporter.set(status);
    },
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
        // No socket to answer on: followers learn nothing here (askPartWriter answers undefined).
        reportStatus() {},
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

/**
 * Asks the process writing `part` of `directory` for its status: undefined when no process holds
 * the part, it does not answer within `timeoutMilliseconds`, or the platform has no abstract
 * sockets (the pid-file lock cannot answer).
 */
export function askPartWriter(directory: string, part: string, timeoutMilliseconds = 1_000): Promise<PartStatus | undefined> {
  if (process.platform !== 'linux') return Promise.resolve(undefined);
  let real: string;
  try {
    real = realpathSync(directory);
  } catch {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(abstractSocketName(real, part));
    const settle = (status: PartStatus | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(status);
    };
    const timer = setTimeout(() => {
      settle(undefined);
    }, timeoutMilliseconds);
    timer.unref();
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {
      settle(undefined);
    });
    socket.on('end', () => {
      settle(readPartStatus(Buffer.concat(chunks).toString('utf8')));
    });
  });
}

function readPartStatus(text: string): PartStatus | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const problem = (parsed as Record<string, unknown>)['storageProblem'];
    return typeof problem === 'string' ? { storageProblem: problem } : {};
  } catch {
    return undefined;
  }
}
