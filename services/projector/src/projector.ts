/**
 * The projector (ARCHITECTURE.md §1): the read-model handler on the checkpointed consumer runtime.
 * Each batch is one read-store `apply`, which writes the documents, their change-log entries and
 * the checkpoint in one transaction, so a crash at any instant resumes exactly after the last
 * committed batch. Subscribing, batching, retries, stop and lag come from the runtime.
 */
import { CheckpointedConsumer, type ConsumerBatch, type ConsumerHandler } from '@keystream/consumer';
import { SILENT_LOGGER, type Logger } from '@keystream/kernel';
import type { ReadStore } from '@keystream/readstore';
import type { ProjectorMetrics } from './projectorMetrics.js';
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
 * Projects the event log into the read store: the checkpointed consumer runtime with the
 * read-model handler. An instance runs once: `start`, then `stop` (or a fatal error); start a new
 * instance to resume. `waitForPosition` is read-your-writes: it resolves once every event up to a
 * position is in the read model. It does not own the stores and never closes them.
 */
export class Projector extends CheckpointedConsumer {
  private readonly projection: ReadModelHandler;

  constructor(options: ProjectorOptions) {
    const name = options.name ?? DEFAULT_PROJECTOR_NAME;
    const logger = options.logger ?? SILENT_LOGGER;
    const { readStore, onBatchApplied, onError } = options;
    const handler = new ReadModelHandler(name, readStore, logger);
    super({
      name,
      eventStore: options.eventStore,
      handler,
      checkpoints: { load: () => readStore.checkpoint(name), save: (position) => readStore.apply({ writes: [], checkpoint: { projector: name, position } }).then(() => undefined) },
      waitsFor: 'the read model',
      logger,
      ...pick(options, ['maxBatchEvents', 'catchUpBatchEvents', 'maxBatchDelayMs', 'checkpointInterval', 'retry', 'throughputWindowMs', 'clock', 'wallClock']),
      ...(onBatchApplied === undefined
        ? {}
        : {
            onBatch: (report) => {
              onBatchApplied({ position: report.position, events: report.events, durationMs: report.durationMs, ...handler.last });
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
    this.projection = handler;
  }

  /** The runtime's counters and gauges, with what the projection did to the read model. */
  override async metrics(): Promise<ProjectorMetrics> {
    return { ...(await super.metrics()), ...projectionTotals(this.projection.counters) };
  }
}

function projectionTotals(counters: ProjectionCounters): Pick<ProjectorMetrics, 'eventsWithoutEffectTotal' | 'eventsRejectedTotal' | 'documentsChangedTotal' | 'writesSkippedTotal'> {
  return {
    eventsWithoutEffectTotal: counters.eventsWithoutEffect,
    eventsRejectedTotal: counters.eventsRejected,
    documentsChangedTotal: counters.documentsChanged,
    writesSkippedTotal: counters.writesSkipped,
  };
}

/** The options among `keys` that are set (exactOptionalPropertyTypes forbids passing undefined on). */
function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
