/**
 * The raw ceilings the end-to-end figures are compared with, measured on the same machine in the
 * same run: a bare uWebSockets.js "hello" server (in a child process, loaded by wrk like keystream),
 * and LMDB durable puts at 64 concurrent writers (the storage engine alone, committed and flushed
 * as the event store acknowledges an append).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';

/** A bare uWS "hello" server in a child process; `stop` kills it. */
export async function startHelloServer(repositoryRoot: string): Promise<{ readonly url: string; stop(): void }> {
  const script = `
    const uws = require('@trufflesuite/uws-js-unofficial');
    uws.App().any('/*', (res) => { res.end('hello'); }).listen('127.0.0.1', 0, (socket) => {
      process.stdout.write(String(uws.us_socket_local_port(socket)) + '\\n');
    });`;
  // services/api depends on uWS, so resolving from there finds it.
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { cwd: path.join(repositoryRoot, 'services/api'), stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => {
      resolve(Number(chunk.toString().trim()));
    });
    child.once('exit', (code) => {
      reject(new Error(`the hello server exited (${String(code)}) before listening`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}/hello`,
    stop: () => child.kill('SIGKILL'),
  };
}

/**
 * Durable LMDB puts per second with `writers` concurrent writers for `seconds`: each put is one
 * write-transaction callback of ~600 bytes (an event's size), acknowledged once its commit is
 * flushed to disk. Opened as the event store opens its environment, so concurrent writers share
 * commits exactly as concurrent appends do: the ceiling of a durable append.
 */
export async function rawDurablePutRate(writers: number, seconds: number): Promise<number> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'keystream-bench-raw-'));
  const root = open({ path: directory, compression: false, eventTurnBatching: false });
  const db = root.openDB<Record<string, unknown>, number>({ name: 'raw' });
  const value = {
    id: '00000000-0000-4000-8000-000000000000',
    type: 'GroupCreated',
    data: { resource: { name: 'groups/raw', displayName: 'raw put', metadata: { createTime: new Date().toISOString(), uuid: 'x'.repeat(36), generation: 1, lifecycle: { state: 'ACTIVE' } } } },
    metadata: { actor: 'user:bench@example.com', requestId: 'r'.repeat(36), correlationId: 'c'.repeat(36), causationId: 'c'.repeat(36), occurredAt: new Date().toISOString(), schema: 1 },
  };
  let key = 0;
  let puts = 0;
  const deadline = performance.now() + seconds * 1000;
  try {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (performance.now() < deadline) {
          await root.transaction(() => {
            key += 1;
            db.putSync(key, value);
          });
          await root.flushed;
          puts += 1;
        }
      }),
    );
    return puts / ((performance.now() - started) / 1000);
  } finally {
    await root.close();
    await rm(directory, { recursive: true, force: true });
  }
}
