/**
 * Append forwarding between real processes: the writer of the embedded log runs in a child
 * (testing/appendServerChild.ts), this process reads a follower of the same directory and appends
 * through the child's socket. The EventStore contract holds for it as for the writer itself.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { KeystreamError } from '@keystream/api';
import type { EventStore, NewEvent } from '../eventStore.js';
import { describeEventStoreContract, reopenableFixture } from '../testing/eventStoreContract.js';
import { openLmdbEventStore } from '../lmdb/lmdbEventStore.js';
import { comparePositions } from '../position.js';
import { proofOf } from './appendProtocol.js';
import { ForwardingEventStore } from './forwardingEventStore.js';
import { serveAppends, type AppendServerOptions } from './appendServer.js';

const SERVER_CHILD = fileURLToPath(new URL('../testing/appendServerChild.ts', import.meta.url));

interface Writer {
  readonly child: ChildProcessWithoutNullStreams;
  stop(): Promise<void>;
}

/** Starts the writer process on `directory`, listening on `address`; resolves once it listens. */
async function startWriter(directory: string, address: string, secret: string): Promise<Writer> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=keystream-source', SERVER_CHILD, directory, address, secret], { stdio: 'pipe' });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done === true || first.value !== 'READY') throw new Error(`the writer process did not start: ${stderr.join('')}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.stdin.end();
      await exited;
    },
  };
}

function event(type = 'ThingHappened'): NewEvent {
  const id = randomUUID();
  return { id, type, data: { id }, metadata: { actor: 'system', requestId: id, correlationId: id, causationId: id, occurredAt: new Date().toISOString(), schema: 1 } };
}

/** A temporary data directory with its writer process and a forwarding store over it. */
async function forwardingWorld(secretOfClient?: string): Promise<{ directory: string; address: string; writer: Writer; open(): ForwardingEventStore; dispose(): Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'keystream-forwarding-'));
  const address = join(directory, 'appends.sock');
  const secret = randomUUID();
  const writer = await startWriter(join(directory, 'log'), address, secret);
  const opened: EventStore[] = [];
  return {
    directory,
    address,
    writer,
    open() {
      const store = new ForwardingEventStore(openLmdbEventStore({ path: join(directory, 'log'), follow: true }), { address, secret: () => secretOfClient ?? secret, answerTimeoutMilliseconds: 5_000 });
      opened.push(store);
      return store;
    },
    async dispose() {
      await Promise.all(opened.map((store) => store.close()));
      await writer.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

describeEventStoreContract({
  name: 'embedded LMDB, appends forwarded to the writer process',
  async create() {
    const world = await forwardingWorld();
    return reopenableFixture(() => world.open(), { cleanUp: () => world.dispose() });
  },
});

describe('ForwardingEventStore', function () {
  this.timeout(30_000);

  it('reads its own append at once, in the same turn, and its head includes it', async () => {
    const world = await forwardingWorld();
    try {
      const store = world.open();
      for (let round = 0; round < 20; round += 1) {
        const written = event();
        const stream = `Group-groups/g${randomUUID().slice(0, 8)}`;
        const result = await store.append(stream, [written], 'no_stream');
        const read = await store.readStream(stream);
        expect(read.map((recorded) => recorded.id), `round ${round}`).to.deep.equal([written.id]);
        expect(await store.headPosition()).to.equal(result.position);
      }
    } finally {
      await world.dispose();
    }
  });

  it('refuses a client without the secret: the append fails UNAVAILABLE and nothing is written', async () => {
    const world = await forwardingWorld('not-the-secret');
    try {
      const store = world.open();
      const stream = `Group-groups/g${randomUUID().slice(0, 8)}`;
      const failure = await store.append(stream, [event()], 'no_stream').then(() => undefined, (error: unknown) => error);
      expect(failure).to.be.instanceOf(KeystreamError);
      expect((failure as KeystreamError).code).to.equal('UNAVAILABLE');
      expect((failure as KeystreamError).message).to.match(/retry with the same request id/);
      expect(await store.readStream(stream)).to.deep.equal([]);
    } finally {
      await world.dispose();
    }
  });

  it('never takes a process squatting on the address for the writer, and never tells it the secret', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'keystream-forwarding-'));
    const address = join(directory, 'appends.sock');
    const secret = randomUUID();
    const received: Buffer[] = [];
    // It answers the hello as a writer would, but cannot know the proof; another stays silent.
    const squatter = createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        if (received.length === 1) socket.write(`${JSON.stringify({ challenge: 'a'.repeat(64), proof: 'b'.repeat(64) })}\n`);
      });
    });
    await new Promise<void>((resolve) => squatter.listen(address, resolve));
    const writerLog = join(directory, 'log');
    const writer = await startWriter(writerLog, join(directory, 'real.sock'), secret);
    const store = new ForwardingEventStore(openLmdbEventStore({ path: writerLog, follow: true }), { address, secret: () => secret, answerTimeoutMilliseconds: 2_000 });
    try {
      const stream = `Group-groups/g${randomUUID().slice(0, 8)}`;
      const failure = await store.append(stream, [event()], 'no_stream').then(() => undefined, (error: unknown) => error);
      expect((failure as KeystreamError).code).to.equal('UNAVAILABLE');
      expect(Buffer.concat(received).toString('utf8')).not.to.include(secret);
      expect(Buffer.concat(received).toString('utf8')).not.to.include('Group-groups');
    } finally {
      await store.close();
      await writer.stop();
      await new Promise<void>((resolve) => squatter.close(() => { resolve(); }));
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('gives up on an address that accepts but never answers, within the answer timeout', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'keystream-forwarding-'));
    const address = join(directory, 'silent.sock');
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(address, resolve));
    const writer = await startWriter(join(directory, 'log'), join(directory, 'real.sock'), 'secret');
    const store = new ForwardingEventStore(openLmdbEventStore({ path: join(directory, 'log'), follow: true }), { address, secret: () => 'secret', answerTimeoutMilliseconds: 500 });
    try {
      const started = Date.now();
      const failure = await store.append(`Group-groups/g${randomUUID().slice(0, 8)}`, [event()], 'no_stream').then(() => undefined, (error: unknown) => error);
      expect((failure as KeystreamError).code).to.equal('UNAVAILABLE');
      expect(Date.now() - started).to.be.lessThan(5_000);
    } finally {
      await store.close();
      await writer.stop();
      silent.close();
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('fails UNAVAILABLE while the writer is gone, and a retry with the same events after it is back writes them once', async () => {
    const world = await forwardingWorld();
    let writer = world.writer;
    try {
      const store = world.open();
      const stream = `Group-groups/g${randomUUID().slice(0, 8)}`;
      const firstEvent = event();
      const first = await store.append(stream, [firstEvent], 'no_stream');
      await writer.stop();
      const retried = [event(), event()];
      const failure = await store.append(stream, retried, first.revision).then(() => undefined, (error: unknown) => error);
      expect((failure as KeystreamError).code).to.equal('UNAVAILABLE');
      // Another writer takes over the directory (a restart); the same append is written exactly once.
      writer = await startWriter(join(world.directory, 'log'), world.address, 'second-secret');
      const store2 = new ForwardingEventStore(openLmdbEventStore({ path: join(world.directory, 'log'), follow: true }), { address: world.address, secret: () => 'second-secret' });
      const again = await store2.append(stream, retried, first.revision);
      const twice = await store2.append(stream, retried, first.revision);
      expect(twice).to.deep.equal(again);
      expect((await store2.readStream(stream)).map((recorded) => recorded.id)).to.deep.equal([firstEvent.id, ...retried.map((written) => written.id)]);
      await store2.close();
    } finally {
      await writer.stop();
      await world.dispose();
    }
  });

  describe('settling a position', () => {
    /** A writer in this process whose settle is `settle`, and a forwarding store over its log. */
    async function settlingWorld(settle: ((writer: EventStore) => NonNullable<AppendServerOptions['settle']>) | undefined): Promise<{ store: ForwardingEventStore; stopServing(): Promise<void>; dispose(): Promise<void> }> {
      const directory = await mkdtemp(join(tmpdir(), 'keystream-settle-'));
      const writer = openLmdbEventStore({ path: join(directory, 'log') });
      const server = await serveAppends(writer, { address: join(directory, 'appends.sock'), secret: 'settle-secret', ...(settle === undefined ? {} : { settle: settle(writer) }) });
      const store = new ForwardingEventStore(openLmdbEventStore({ path: join(directory, 'log'), follow: true }), { address: join(directory, 'appends.sock'), secret: () => 'settle-secret', answerTimeoutMilliseconds: 2_000 });
      return {
        store,
        stopServing: () => server.close(),
        async dispose() {
          await store.close();
          await server.close();
          await writer.close();
          await rm(directory, { recursive: true, force: true });
        },
      };
    }

    it('answers with what the writer reacted with, and reads the reaction at once', async () => {
      const asked: string[] = [];
      const world = await settlingWorld((writer) => async (position) => {
        asked.push(position);
        // What a process manager would do: react to the write with a command of its own.
        return (await writer.append('Reaction-reactions/r1', [event('Reacted')], 'any')).position;
      });
      try {
        const written = await world.store.append(`Group-groups/g${randomUUID().slice(0, 8)}`, [event()], 'no_stream');
        const settled = await world.store.settle(written.position, 1_000);
        expect(asked).to.deep.equal([written.position]);
        expect(comparePositions(settled, written.position), `${settled} after ${written.position}`).to.be.greaterThan(0);
        expect((await world.store.readStream('Reaction-reactions/r1')).map((recorded) => recorded.type)).to.deep.equal(['Reacted']);
        expect(await world.store.headPosition()).to.equal(settled);
      } finally {
        await world.dispose();
      }
    });

    it('answers the position itself from a writer that reacts to nothing', async () => {
      const world = await settlingWorld(undefined);
      try {
        const written = await world.store.append(`Group-groups/g${randomUUID().slice(0, 8)}`, [event()], 'no_stream');
        expect(await world.store.settle(written.position, 1_000)).to.equal(written.position);
      } finally {
        await world.dispose();
      }
    });

    it('fails with the writer\'s error when it cannot settle in time, and appends still go through', async () => {
      const world = await settlingWorld(() => (_position, timeoutMs) => Promise.reject(new KeystreamError('UNAVAILABLE', `the process managers did not reach the position within ${timeoutMs} ms`)));
      try {
        const written = await world.store.append(`Group-groups/g${randomUUID().slice(0, 8)}`, [event()], 'no_stream');
        const failure = await world.store.settle(written.position, 250).then(() => undefined, (error: unknown) => error);
        expect(failure).to.be.instanceOf(KeystreamError);
        expect((failure as KeystreamError).code).to.equal('UNAVAILABLE');
        expect((failure as KeystreamError).message).to.equal('the process managers did not reach the position within 250 ms');
        expect((await world.store.append(`Group-groups/g${randomUUID().slice(0, 8)}`, [event()], 'no_stream')).revision).to.equal(0);
      } finally {
        await world.dispose();
      }
    });

    it('takes the position as it is from a writer of an earlier version, sending it nothing it would close the connection on', async () => {
      const directory = await mkdtemp(join(tmpdir(), 'keystream-settle-old-'));
      const address = join(directory, 'old.sock');
      const received: string[] = [];
      // The handshake as a writer before settling answered it: no `settles`; any line after it recorded.
      const oldWriter = createServer((socket) => {
        let clientNonce = '';
        socket.on('data', (chunk: Buffer) => {
          for (const line of chunk.toString('utf8').split('\n').filter((text) => text !== '')) {
            const parsed = JSON.parse(line) as { hello?: string; proof?: string };
            if (parsed.hello !== undefined) {
              clientNonce = parsed.hello;
              const writerNonce = 'c'.repeat(64);
              socket.write(`${JSON.stringify({ challenge: writerNonce, proof: proofOf('old-secret', 'writer', clientNonce, writerNonce) })}\n`);
            } else if (parsed.proof === undefined) received.push(line);
          }
        });
      });
      await new Promise<void>((resolve) => oldWriter.listen(address, resolve));
      const store = new ForwardingEventStore(openLmdbEventStore({ path: join(directory, 'log'), follow: true }), { address, secret: () => 'old-secret', answerTimeoutMilliseconds: 2_000 });
      try {
        expect(await store.settle('0000000000000007', 1_000)).to.equal('0000000000000007');
        expect(received).to.deep.equal([]);
      } finally {
        await store.close();
        await new Promise<void>((resolve) => oldWriter.close(() => { resolve(); }));
        await rm(directory, { recursive: true, force: true });
      }
    });

    it('fails UNAVAILABLE saying to retry, without an append\'s request-id advice, when the writer is gone', async () => {
      const world = await settlingWorld(undefined);
      try {
        const written = await world.store.append(`Group-groups/g${randomUUID().slice(0, 8)}`, [event()], 'no_stream');
        await world.stopServing();
        const failure = await world.store.settle(written.position, 250).then(() => undefined, (error: unknown) => error);
        expect((failure as KeystreamError).code).to.equal('UNAVAILABLE');
        expect((failure as KeystreamError).message).to.match(/did not say whether they reached .*; retry$/);
        expect((failure as KeystreamError).message).not.to.include('request id');
      } finally {
        await world.dispose();
      }
    });
  });
});
