/**
 * Where a replica's appends reach the embedded event log's one writer (the api process): an
 * abstract Unix socket named after the log's directory, answered by the writer
 * (@keystream/eventstore's serveAppends). The kernel keeps abstract names for live sockets only,
 * so a crashed writer leaves nothing stale. Any local user can connect to an abstract socket, so
 * both ends prove they know a secret chosen at each start (appendProtocol.ts): the children get it
 * from their parent's environment, replicas started by hand from a file beside the log that only
 * the directory's owner can read — a process that can read the event log may append to it,
 * nobody else.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serveAppends, type AppendServer, type AppendServerOptions, type EventStore } from '@keystream/eventstore';
import type { Logger } from 'pino';
import { APPEND_SECRET_VARIABLE } from './appendSecret.js';

/** The secret file, in the event log's directory. */
const SECRET_FILE = 'keystream.appends.secret';

/** The abstract socket name of the writer of the event log in `directory`. */
export function appendSocketOf(directory: string): string {
  const real = realpathSync(directory);
  return `\0keystream-appends-${createHash('sha256').update(real).digest('hex').slice(0, 40)}`;
}

/** The secret a replica proves it knows: its parent's, else the one the current writer wrote beside the log. */
export function readAppendSecret(directory: string): string {
  return process.env[APPEND_SECRET_VARIABLE] ?? readFileSync(path.join(directory, SECRET_FILE), 'utf8').trim();
}

/**
 * Starts serving appends to `store`, the event log in `directory` this process writes, to clients
 * that prove they know `secret`, and settling positions with `settle` (the process managers
 * here). The secret also replaces the file beside the log (whole, by rename: a replica never
 * reads half of it) for replicas started by hand; a file that cannot be written (a full disk)
 * leaves them refused until the next start, and the children, which get the secret from their
 * parent, unaffected.
 */
export async function serveReplicaAppends(store: EventStore, directory: string, secret: string, logger: Logger, settle?: AppendServerOptions['settle']): Promise<AppendServer> {
  const file = path.join(directory, SECRET_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(directory, { recursive: true });
    writeFileSync(temporary, `${secret}\n`, { mode: 0o600 });
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    logger.warn({ err: error, file }, 'could not write the append secret; replicas started by hand cannot append until the next start');
  }
  return serveAppends(store, { address: appendSocketOf(directory), secret, ...(settle === undefined ? {} : { settle }) });
}
