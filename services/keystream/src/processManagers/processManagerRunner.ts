/**
 * Runs the process managers as one handler on the checkpointed consumer runtime
 * (`@keystream/consumer`, docs/consumers.md). Their state is in memory, so the checkpoint is too
 * (`memoryCheckpointStore`): each start reads the log from its beginning, rebuilding the state,
 * and the commands they issue carry request ids derived from the events they react to, so a
 * replay appends nothing new. Events are handed to each manager in log order; a transient failure
 * is retried by the runtime (the managers are idempotent per event), while a permanent refusal of
 * one command is logged and skipped so one bad event never stops every process manager. Callers
 * can wait until the managers have handled the log up to a position (read-your-writes for ListMy…).
 */
import { isKeystreamError } from '@keystream/api';
import { CheckpointedConsumer, isTransientError, memoryCheckpointStore } from '@keystream/consumer';
import { comparePositions, START_POSITION, type EventStore, type Position, type RecordedEvent, type SubscribeToAllOptions } from '@keystream/eventstore';
import type { Logger } from '@keystream/kernel';
import type { ProcessManager } from './processManager.js';

export class ProcessManagerRunner {
  private readonly consumer: CheckpointedConsumer;
  private lastWrite: Position = START_POSITION;

  constructor(
    eventStore: EventStore,
    private readonly managers: readonly ProcessManager[],
    private readonly logger: Logger,
  ) {
    const prefixes = [...new Set(managers.flatMap((manager) => manager.eventTypePrefixes))];
    this.consumer = new CheckpointedConsumer({
      name: 'process-managers',
      // Only the event types some manager reacts to.
      eventStore: {
        subscribeToAll: (from: Position, options?: SubscribeToAllOptions) => eventStore.subscribeToAll(from, { ...options, eventTypePrefix: prefixes }),
        headPosition: () => eventStore.headPosition(),
      },
      handler: { handle: async ({ events }) => this.handleAll(events) },
      checkpoints: memoryCheckpointStore(),
      // A checkpoint through every filtered stretch, so a reader waiting for any position is released promptly.
      checkpointInterval: 1,
      waitsFor: 'the process managers (memberships, invitations)',
      logger,
    });
  }

  /** Starts handling the log from its beginning. */
  start(): Promise<void> {
    return this.consumer.start();
  }

  /** Stops after the batch in hand and releases the managers' timers. */
  async stop(): Promise<void> {
    await this.consumer.stop();
    for (const manager of this.managers) manager.close?.();
  }

  /** Records a write a manager made, so readers can wait for the read model to show it. */
  noteWrite(position: Position): void {
    if (position !== '' && comparePositions(position, this.lastWrite) > 0) this.lastWrite = position;
  }

  /** The position of the newest write any manager made. */
  get lastWritePosition(): Position {
    return this.lastWrite;
  }

  /** Resolves once the managers have handled the log up to `position`; UNAVAILABLE after `timeoutMs`. */
  async waitFor(position: Position | undefined, timeoutMs: number): Promise<void> {
    if (position === undefined || position === '') return;
    await this.consumer.waitForPosition(position, timeoutMs);
  }

  private async handleAll(events: readonly RecordedEvent[]): Promise<void> {
    for (const event of events) {
      for (const manager of this.managers) {
        if (!manager.eventTypePrefixes.some((prefix) => event.type.startsWith(prefix))) continue;
        try {
          await manager.handle(event);
        } catch (error) {
          if (isTransientError(error) || !isKeystreamError(error)) throw error;
          this.logger.warn({ error: error.message, manager: manager.name, event: event.id, type: event.type }, 'a process manager command was refused; the event is skipped');
        }
      }
    }
  }
}
