/**
 * The projector (ARCHITECTURE.md §1): the read-model handler on the checkpointed consumer runtime.
 * Each batch is one read-store `apply`, which writes the documents, their change-log entries and
 * the checkpoint in one transaction, so a crash at any instant resumes exactly after the last
 * committed batch. Subscribing, batching, retries, stop and lag come from the runtime.
 */
import { CheckpointedConsumer, type ConsumerBatch, type ConsumerHandler } from '@keystream/consumer';
import { SILENT_LOGGER, type Logger, type Position } from '@keystream/kernel';
import type { ReadStore } from '@keystream/readstore';
import type { ProjectorMetrics, ProjectorState } from './projectorMetrics.js';
import type { ProjectorOptions } from './projectorOptions.js';
import { writeForEvent } from './writeForEvent.js';

/** The checkpoint key used when none is given. */
export const DEFAULT_PROJECTOR_NAME = 'read-model';

/** Counters of what the projection did with the events it was handed. */
interface ProjectionCounters {
  eventsWithoutEffect: number;
  eventsRejected: number;
  documentsChanged: number;
  writesSkipped: number;
}

/**
 * Turns batches into read-store applies, the checkpoint in the same transaction. Remembers the
 * outcome of the last apply so the projector can report it with the runtime's batch report.
 */
class ReadModelHandler implements ConsumerHandler {
  readonly storesCheckpoint = true;
  readonly counters: ProjectionCounters = { eventsWithoutEffect: 0, eventsRejected: 0, documentsChanged: 0, writesSkipped: 0 };
  last = { writes: 0, documentsChanged: 0, writesSkipped: 0 };
  private readonly warnedKinds = new Set<string>();

  constructor(
    private readonly name: string,
    private readonly readStore: ReadStore,
    private readonly logger: Logger,
  ) {}

  async handle(batch: ConsumerBatch): Promise<void> {
    const writes = [];
    let withoutEffect = 0;
    let rejected = 0;
    for (const event of batch.events) {
      const projection = writeForEvent(event);
      switch (projection.outcome) {
        case 'write':
          writes.push(projection.write);
          break;
        case 'none':
          withoutEffect += 1;
          break;
        case 'rejected': {
          rejected += 1;
          // An unknown kind repeats for every event of it (a newer writer): say so once.
          const once = projection.reason === 'unknown_kind';
          if (once && this.warnedKinds.has(projection.kind)) break;
          if (once) this.warnedKinds.add(projection.kind);
          this.logger.warn(
            { projector: this.name, reason: projection.reason, kind: projection.kind, stream: event.stream, type: event.type, position: event.position },
            `event skipped: ${projection.detail}`,
          );
          break;
        }
      }
    }
    const result = await this.readStore.apply({ writes, checkpoint: { projector: this.name, position: batch.upTo } });
    this.counters.eventsWithoutEffect += withoutEffect;
    this.counters.eventsRejected += rejected;
    this.counters.documentsChanged += result.applied;
    this.counters.writesSkipped += result.skipped;
    this.last = { writes: writes.length, documentsChanged: result.applied, writesSkipped: result.skipped };
  }
}

/**
 * Projects the event log into the read store. An instance runs once: {@link start}, then
 * {@link stop} (or a fatal error); start a new instance to resume. It does not own the stores
 * and never closes them.
 */
export class Projector {
  /** The checkpoint key. */
  readonly name: string;
  private readonly handler: ReadModelHandler;
  private readonly consumer: CheckpointedConsumer;

  constructor(options: ProjectorOptions) {
    this.name = options.name ?? DEFAULT_PROJECTOR_NAME;
    const logger = options.logger ?? SILENT_LOGGER;
    const { readStore, onBatchApplied, onError } = options;
    this.handler = new ReadModelHandler(this.name, readStore, logger);
    this.consumer = new CheckpointedConsumer({
      name: `projector ${this.name}`,
      eventStore: options.eventStore,
      handler: this.handler,
      checkpoints: { load: () => readStore.checkpoint(this.name), save: (position) => readStore.apply({ writes: [], checkpoint: { projector: this.name, position } }).then(() => undefined) },
      waitsFor: 'the read model',
      logger,
      ...pick(options, ['maxBatchEvents', 'maxBatchDelayMs', 'checkpointInterval', 'retry', 'throughputWindowMs', 'clock', 'wallClock']),
      ...(onBatchApplied === undefined
        ? {}
        : {
            onBatch: (report) => {
              onBatchApplied({ position: report.position, events: report.events, durationMs: report.durationMs, ...this.handler.last });
            },
          }),
      ...(onError === undefined
        ? {}
        : {
            onStopped: (error) => {
              if (error !== undefined) onError(error);
            },
          }),
    });
  }

  /** Where the projector is in its lifecycle. */
  get status(): ProjectorState {
    return this.consumer.status;
  }

  /** The stored checkpoint: everything up to it is in the read store. */
  get position(): Position {
    return this.consumer.position;
  }

  /**
   * Reads the checkpoint and opens the subscription after it; resolves once running (the
   * projection itself goes on in the background). Rejects if the checkpoint cannot be read.
   */
  start(): Promise<void> {
    return this.consumer.start();
  }

  /**
   * Graceful shutdown: stops pulling events, commits what was received (with the checkpoint),
   * closes the subscription. Resolves when done, also after a fatal error (which {@link done}
   * reports). Pending {@link waitForPosition} calls not yet satisfied reject with UNAVAILABLE.
   */
  stop(): Promise<void> {
    return this.consumer.stop();
  }

  /** Resolves when the projector has stopped, rejects with the error if it failed. */
  done(): Promise<void> {
    return this.consumer.done();
  }

  /**
   * Read-your-writes: resolves once every event up to `position` is in the read model (applied,
   * or passed by a stored subscription checkpoint). Rejects with UNAVAILABLE after `timeoutMs`,
   * or when the projector stops or fails first. `''` resolves at once.
   */
  waitForPosition(position: Position, timeoutMs: number): Promise<void> {
    return this.consumer.waitForPosition(position, timeoutMs);
  }

  /** Counters and gauges; reads the event store's head to compute the lag. */
  async metrics(): Promise<ProjectorMetrics> {
    const metrics = await this.consumer.metrics();
    const { counters } = this.handler;
    return {
      state: metrics.state,
      eventsAppliedTotal: metrics.eventsHandledTotal,
      eventsWithoutEffectTotal: counters.eventsWithoutEffect,
      eventsRejectedTotal: counters.eventsRejected,
      documentsChangedTotal: counters.documentsChanged,
      writesSkippedTotal: counters.writesSkipped,
      batchesTotal: metrics.batchesTotal,
      applyRetriesTotal: metrics.handleRetriesTotal,
      resubscriptionsTotal: metrics.resubscriptionsTotal,
      appliedPosition: metrics.checkpointPosition,
      headPosition: metrics.headPosition,
      lag: metrics.lag,
      caughtUp: metrics.caughtUp,
      lastEventAgeMs: metrics.lastEventAgeMs,
      lastBatchEvents: metrics.lastBatchEvents,
      lastBatchDurationMs: metrics.lastBatchDurationMs,
      throughputEventsPerSecond: metrics.throughputEventsPerSecond,
      positionWaiters: metrics.positionWaiters,
    };
  }
}

/** The options among `keys` that are set (exactOptionalPropertyTypes forbids passing undefined on). */
function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}

