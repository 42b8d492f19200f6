/**
 * Keeps an {@link AuthzIndex} level with the event log. Before a decision the caller awaits
 * {@link AuthzFeed.catchUp}: it runs the index's handler over `$all` after the last applied
 * position until the end (`catchUpOnce` of the consumer runtime), so every event acknowledged
 * before the request began is applied first. That is what makes a revocation take effect on the
 * very next request, with no cache TTL to wait out.
 *
 * Concurrent callers share reads: a caller that arrives while a read runs waits for the next
 * read, which starts after it arrived (and so sees its events); every caller arriving meanwhile
 * joins that same next read.
 */
import { catchUpOnce, type ConsumerHandler, type LogReader } from '@keystream/consumer';
import type { AuthzIndex, IndexedEvent } from './authzIndex.js';

/** An event of the global log with its position. */
export interface LoggedEvent extends IndexedEvent {
  readonly position: string;
}

/** The part of the event store the feed reads (the EventStore port fits). */
export type EventLog = LogReader<LoggedEvent>;

const BATCH = 1024;

/** The index as a consumer handler: each batch of events is applied to it, in order. */
function indexHandler(index: AuthzIndex): ConsumerHandler<LoggedEvent> {
  return {
    handle({ events }) {
      for (const event of events) index.apply(event);
      return Promise.resolve();
    },
  };
}

export class AuthzFeed {
  private position = '';
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private readonly handler: ConsumerHandler<LoggedEvent>;

  constructor(
    private readonly log: EventLog,
    index: AuthzIndex,
  ) {
    this.handler = indexHandler(index);
  }

  /** The position of the last event read. */
  get appliedPosition(): string {
    return this.position;
  }

  /** Resolves once every event appended before the call has been applied. */
  catchUp(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    if (this.inFlight === undefined) return this.start();
    const queued = this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    this.queued = queued;
    return queued;
  }

  private start(): Promise<void> {
    const run = catchUpOnce(this.log, this.handler, this.position, BATCH, (upTo) => {
      this.position = upTo;
    })
      .then(() => undefined)
      .finally(() => {
        if (this.inFlight === run) this.inFlight = undefined;
      });
    this.inFlight = run;
    return run;
  }
}
