import { expect } from 'chai';
import { ConsumerStateStore, memoryStateBackend, type StateTable } from '@keystream/consumer';
import { positionAt, recordedEvent, ScriptedEventStore, scriptedSubscription } from '@keystream/consumer/testing';
import type { RecordedEvent } from '@keystream/eventstore';
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
});
