/**
 * Runs the process managers as one handler on the checkpointed consumer runtime
 * (`@keystream/consumer`, docs/consumers.md). Their state lives in tables of one
 * `ConsumerStateStore` (embedded: the LMDB environment `<data directory>/process-managers`), and
 * the runner's checkpoint is written in the same transaction as the changes of those tables, so
 * a restart resumes after the checkpoint with the state that belongs to it. A crash between a
 * command and the commit hands the batch again: the managers issue the same commands with the
 * same request ids, which append nothing new.
 *
 * Events are handed to each manager in log order; a transient failure is retried by the runtime
 * (the managers are idempotent per event), while a permanent refusal of one command is logged
 * and skipped so one bad event never stops every process manager. Callers can wait until the
 * managers have handled the log up to a position (read-your-writes for ListMy…).
 */
import { isKeystreamError } from '@keystream/api';
import { CheckpointedConsumer, isTransientError, type ConsumerMetrics, type ConsumerStateStore } from '@keystream/consumer';
import { comparePositions, START_POSITION, type EventStore, type Position, type RecordedEvent, type SubscribeToAllOptions } from '@keystream/eventstore';
import type { Logger } from '@keystream/kernel';
import type { ProcessManager } from './processManager.js';

/**
 * How long a checkpoint that comes with no change of state may stay unwritten: a stretch of
 * events that changed nothing is read again after a crash (cheaply) rather than committed batch
 * by batch (one disk sync each).
 */
const IDLE_COMMIT_INTERVAL_MS = 1000;

/**
 * How many rounds of reactions {@link ProcessManagerRunner.settle} waits for: the managers' chains
 * are at most two deep (an accept's grant, then its MemberAssignment), the rest is margin.
 */
const SETTLE_ROUNDS = 4;

export class ProcessManagerRunner {
  private readonly consumer: CheckpointedConsumer;
  private lastWrite: Position = START_POSITION;
  /** Handled, not yet committed (nothing changed since the last commit). */
  private deferred: Position | undefined;
  private lastCommitAt = 0;

  constructor(
    private readonly eventStore: EventStore,
    private readonly managers: readonly ProcessManager[],
    private readonly logger: Logger,
    /** Where the managers' tables and the checkpoint live; the runner commits it, its owner closes it. */
    private readonly state: ConsumerStateStore,
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
      checkpoints: { load: () => Promise.resolve(this.state.checkpoint), save: (position) => this.commit(position) },
      // A checkpoint through every filtered stretch, so a reader waiting for any position is released promptly.
      checkpointInterval: 1,
      waitsFor: 'the process managers (memberships, invitations)',
      logger,
    });
  }

  /** Starts handling the log after the stored checkpoint (from its beginning when there is none). */
  async start(): Promise<void> {
    const checkpoint = this.state.checkpoint;
    if (checkpoint !== undefined && checkpoint !== START_POSITION && comparePositions(checkpoint, await this.eventStore.headPosition()) > 0) {
      // A checkpoint beyond the log's end: the event store was replaced. The state describes
      // another log, so it is dropped and rebuilt from this one.
      this.logger.warn({ checkpoint }, 'the process-manager state is ahead of the event log (a different log?); rebuilding it from the start');
      await this.state.reset();
    }
    for (const manager of this.managers) manager.start?.();
    await this.consumer.start();
  }

  /** Stops after the batch in hand, commits what it handled and releases the managers' timers (the state store stays open: its owner closes it). */
  async stop(): Promise<void> {
    try {
      await this.consumer.stop();
      // Only a checkpoint that came with no change: changes left by a batch the stop gave up on
      // belong to events after the checkpoint, and are made again when those are handed again.
      if (this.deferred !== undefined && !this.state.dirty) await this.state.commit(this.deferred);
    } finally {
      for (const manager of this.managers) manager.close?.();
    }
  }

  /** The runtime's figures (events handled since start, lag, checkpoint). */
  metrics(): Promise<ConsumerMetrics> {
    return this.consumer.metrics();
  }

  /** The checkpoint the stored state belongs to (undefined before the first commit). */
  get committedPosition(): Position | undefined {
    return this.state.checkpoint;
  }

  /** Records a write a manager made, so readers can wait for the read model to show it. */
  noteWrite(position: Position): void {
    if (position !== '' && comparePositions(position, this.lastWrite) > 0) this.lastWrite = position;
  }

  /** Resolves once the managers have handled the log up to `position`; UNAVAILABLE after `timeoutMs`. */
  async waitFor(position: Position | undefined, timeoutMs: number): Promise<void> {
    if (position === undefined || position === '') return;
    await this.consumer.waitForPosition(position, timeoutMs);
  }

  /**
   * Resolves once the managers handled the log up to `position` and what they wrote in reaction
   * to it (a grant made for an accept gets its MemberAssignment), with the position a reader must
   * reach to see all of it; UNAVAILABLE after `timeoutMs`. Reactions to reactions are followed
   * {@link SETTLE_ROUNDS} deep, so writes that never stop (a busy server) cannot keep it waiting.
   */
  async settle(position: Position, timeoutMs: number): Promise<Position> {
    const deadline = performance.now() + timeoutMs;
    let settled = position;
    for (let round = 0; round < SETTLE_ROUNDS; round += 1) {
      await this.waitFor(settled, Math.max(1, deadline - performance.now()));
      if (comparePositions(this.lastWrite, settled) <= 0) return settled;
      settled = this.lastWrite;
    }
    return settled;
  }

  /** The runtime's checkpoint write: the managers' changes and `position` in one transaction. */
  private async commit(position: Position): Promise<void> {
    const now = performance.now();
    if (!this.state.dirty && now - this.lastCommitAt < IDLE_COMMIT_INTERVAL_MS) {
      this.deferred = position;
      return;
    }
    await this.state.commit(position);
    this.deferred = undefined;
    this.lastCommitAt = now;
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
