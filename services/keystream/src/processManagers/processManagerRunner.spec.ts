import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { comparePositions, openLmdbEventStore, type EventStore, type NewEvent, type RecordedEvent } from '@keystream/eventstore';
import { ConsumerStateStore, memoryStateBackend, type StateTable } from '@keystream/consumer';
import { positionAt, recordedEvent, ScriptedEventStore, scriptedSubscription } from '@keystream/consumer/testing';
import { SILENT_LOGGER } from '@keystream/kernel';
import type { ProcessManager } from './processManager.js';
import { ProcessManagerRunner } from './processManagerRunner.js';

/** Remembers every event it saw, in a table of the state store. */
class SeenManager implements ProcessManager {
  readonly name = 'seen';
  readonly eventTypePrefixes = ['Thing'];
  readonly seen: StateTable<string>;
  started = 0;

  constructor(state: ConsumerStateStore) {
    this.seen = state.table<string>('seen');
  }

  start(): void {
    this.started += 1;
  }

  handle(event: RecordedEvent): Promise<void> {
    this.seen.set(event.id, event.position);
    return Promise.resolve();
  }
}

/**
 * Reacts to a `Step` event of step n < 2 by appending step n + 1 (slowly for the second, as a
 * command that reads first would), like a grant made for an accept and then its assignment.
 */
class ChainManager implements ProcessManager {
  readonly name = 'chain';
  readonly eventTypePrefixes = ['Step'];
  runner: ProcessManagerRunner | undefined;

  constructor(private readonly store: EventStore) {}

  async handle(event: RecordedEvent): Promise<void> {
    const step = event.data['step'] as number;
    if (step >= 2) return;
    if (step === 1) await new Promise((resolve) => setTimeout(resolve, 50));
    const written = await this.store.append(`Step-chain/${event.data['chain'] as string}`, [stepEvent(event.data['chain'] as string, step + 1)], 'any');
    this.runner?.noteWrite(written.position);
  }
}

function stepEvent(chain: string, step: number): NewEvent {
  const id = randomUUID();
  return { id, type: 'StepTaken', data: { chain, step }, metadata: { actor: 'test', requestId: id, correlationId: id, causationId: id, occurredAt: new Date().toISOString(), schema: 1 } };
}

const events = (count: number): { kind: 'event'; event: RecordedEvent }[] => Array.from({ length: count }, (_unused, index) => ({ kind: 'event' as const, event: recordedEvent(index + 1) }));

describe('ProcessManagerRunner', () => {
  describe('when a batch is handled', () => {
    it('should commit what the managers remembered together with the checkpoint, and resume after it', async () => {
      const backend = memoryStateBackend();
      const state = new ConsumerStateStore(backend);
      const store = new ScriptedEventStore(() => scriptedSubscription(events(3)));
      store.head = positionAt(3);
      const manager = new SeenManager(state);
      const runner = new ProcessManagerRunner(store, [manager], SILENT_LOGGER, state);
      await runner.start();
      await runner.waitFor(positionAt(3), 5000);
      await runner.stop();
      expect(manager.started).to.equal(1);
      const reopened = new ConsumerStateStore(backend);
      expect(reopened.checkpoint).to.equal(positionAt(3));
      expect([...reopened.table('seen').keys()]).to.deep.equal(['event-1', 'event-2', 'event-3']);

      const again = new ScriptedEventStore(() => scriptedSubscription([]));
      again.head = positionAt(3);
      const resumed = new ProcessManagerRunner(again, [new SeenManager(reopened)], SILENT_LOGGER, reopened);
      await resumed.start();
      await resumed.stop();
      expect(again.subscribedFrom).to.deep.equal([positionAt(3)]);
    });
  });

  describe('having a stored checkpoint beyond the end of the log (the event store was replaced)', () => {
    it('should empty the state and read the log from its start', async () => {
      const state = new ConsumerStateStore(memoryStateBackend());
      const manager = new SeenManager(state);
      manager.seen.set('event-from-another-log', positionAt(40));
      await state.commit(positionAt(50));
      const store = new ScriptedEventStore(() => scriptedSubscription(events(2)));
      store.head = positionAt(2);
      const runner = new ProcessManagerRunner(store, [manager], SILENT_LOGGER, state);
      await runner.start();
      await runner.waitFor(positionAt(2), 5000);
      await runner.stop();
      expect(store.subscribedFrom).to.deep.equal(['']);
      expect([...manager.seen.keys()]).to.deep.equal(['event-1', 'event-2']);
    });
  });

  describe('settling a position', () => {
    it('should wait for the reactions to the reactions to the event there, and answer a position that holds them', async () => {
      const directory = await mkdtemp(path.join(tmpdir(), 'keystream-settle-'));
      const store = openLmdbEventStore({ path: directory });
      const state = new ConsumerStateStore(memoryStateBackend());
      const manager = new ChainManager(store);
      const runner = new ProcessManagerRunner(store, [manager], SILENT_LOGGER, state);
      manager.runner = runner;
      try {
        await runner.start();
        for (const chain of ['a', 'b', 'c']) {
          const first = await store.append(`Step-chain/${chain}`, [stepEvent(chain, 0)], 'no_stream');
          const settled = await runner.settle(first.position, 5_000);
          const steps = await store.readStream(`Step-chain/${chain}`);
          expect(steps.map((recorded) => recorded.data['step']), `chain ${chain}`).to.deep.equal([0, 1, 2]);
          expect(comparePositions(settled, (steps[2] as RecordedEvent).position), `chain ${chain}: settled at ${settled}`).to.be.at.least(0);
        }
      } finally {
        await runner.stop();
        await store.close();
        await rm(directory, { recursive: true, force: true });
      }
    });
  });
});
