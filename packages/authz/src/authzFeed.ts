/**
 * Keeps an {@link AuthzIndex} level with the event log. Before a decision the caller awaits
 * {@link AuthzFeed.catchUp}: it reads `$all` after the last applied position until the end, so
 * every event acknowledged before the request began is applied first. That is what makes a
 * revocation take effect on the very next request, with no cache TTL to wait out.
 *
 * Concurrent callers share reads: a caller that arrives while a read runs waits for the next
 * read, which starts after it arrived (and so sees its events); every caller arriving meanwhile
 * joins that same next read.
 */
import type { AuthzIndex, IndexedEvent } from './authzIndex.js';

/** An event of the global log with its position. */
export interface LoggedEvent extends IndexedEvent {
  readonly position: string;
}

/** The part of the event store the feed reads (the EventStore port fits). */
export interface EventLog {
  readAll(fromPosition: string, limit: number): Promise<readonly LoggedEvent[]>;
}

const BATCH = 1024;

export class AuthzFeed {
  private position = '';
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly index: AuthzIndex,
  ) {}

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
    const run = this.drain().finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
    });
    this.inFlight = run;
    return run;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const events = await this.log.readAll(this.position, BATCH);
      for (const event of events) {
        this.index.apply(event);
        this.position = event.position;
      }
      if (events.length < BATCH) return;
    }
  }
}
