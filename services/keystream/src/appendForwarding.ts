/**
 * Where a replica's appends reach the embedded event log's one writer (the api process): an
 * abstract Unix socket named after the log's directory, answered by the writer
 * (@keystream/eventstore's serveAppends). The kernel keeps abstract names for live sockets only,
 * so a crashed writer leaves nothing stale. Any local user can connect to an abstract socket, so
 * the writer also requires a secret it writes at each start into a file of the log's directory
 * that only the directory's owner can read: a process that can read the event log may append to
 * it, nobody else.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serveAppends, type AppendServer, type EventStore } from '@keystream/eventstore';

/** The secret file, in the event log's directory. */
const SECRET_FILE = 'keystream.appends.secret';

/** The abstract socket name of the writer of the event log in `directory`. */
export function appendSocketOf(directory: string): string {
  const real = realpathSync(directory);
  return `\0keystream-appends-${createHash('sha256').update(real).digest('hex').slice(0, 40)}`;
}

/** The secret a replica sends, as the current writer wrote it. */
export function readAppendSecret(directory: string): string {
  return readFileSync(path.join(directory, SECRET_FILE), 'utf8').trim();
}

/**
 * Starts serving appends to `store`, the event log in `directory` this process writes: a new
 * secret replaces the file (whole, by rename: a replica never reads half of it), then the socket
 * listens.
 */
export async function serveReplicaAppends(store: EventStore, directory: string): Promise<AppendServer> {
  mkdirSync(directory, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  const file = path.join(directory, SECRET_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${secret}\n`, { mode: 0o600 });
  renameSync(temporary, file);
  return serveAppends(store, { address: appendSocketOf(directory), secret });
}
