import type { AllSubscription, RecordedEvent, SubscribeToAllOptions, SubscriptionMessage } from '../eventStore.js';
import { eventTypeMatcher } from '../eventTypeMatcher.js';
import { decodeSequencePosition, encodeSequencePosition } from './sequencePosition.js';

/** What the subscription needs from the store (kept narrow so the two files do not import each other). */
export interface SequenceSource {
  readAllSync(afterSequence: number, limit: number): RecordedEvent[];
  waitForAppendAfter(sequence: number, signal: AbortSignal): Promise<void>;
}

/** Events read per LMDB range scan during catch-up. */
const PAGE_SIZE = 256;
const DEFAULT_CHECKPOINT_INTERVAL = 32;

/**
 * Catch-up-then-live subscription on the embedded store. It reads `$all` in pages from its
 * cursor; when it reaches the head it waits on the store's append notification (no polling,
 * no timers). Pull-based: nothing is read until the consumer asks, so a slow consumer holds no
 * buffered events.
 */
export class LmdbAllSubscription implements AllSubscription {
  private readonly abort = new AbortController();
  private iterating = false;

  constructor(
    private readonly source: SequenceSource,
    private readonly fromSequence: number,
    private readonly options: SubscribeToAllOptions,
    private readonly onClose: (subscription: LmdbAllSubscription) => void,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    if (this.iterating) throw new Error('a subscription can be iterated only once');
    this.iterating = true;
    return this.messages();
  }

  close(): Promise<void> {
    this.abort.abort();
    this.onClose(this);
    return Promise.resolve();
  }

  private isClosed(): boolean {
    return this.abort.signal.aborted;
  }

  private async *messages(): AsyncGenerator<SubscriptionMessage> {
    const matches = eventTypeMatcher(this.options.eventTypePrefix);
    const interval = Math.max(1, this.options.checkpointInterval ?? DEFAULT_CHECKPOINT_INTERVAL);
    const signal = this.abort.signal;
    let cursor = this.fromSequence;
    // Sequence of the last message emitted (event or checkpoint): a checkpoint is due when the
    // cursor has moved past it by scanning filtered-out events.
    let reported = this.fromSequence;
    try {
      while (!signal.aborted) {
        const page = this.source.readAllSync(cursor, PAGE_SIZE);
        if (page.length === 0) {
          if (cursor > reported) {
            reported = cursor;
            yield { kind: 'checkpoint', position: encodeSequencePosition(cursor) };
            continue;
          }
          await this.source.waitForAppendAfter(cursor, signal);
          continue;
        }
        for (const event of page) {
          if (this.isClosed()) return;
          // Sequences can have gaps (a failed commit burns its numbers), so follow the events.
          cursor = decodeSequencePosition(event.position);
          if (matches(event.type)) {
            reported = cursor;
            yield { kind: 'event', event };
          } else if (cursor - reported >= interval) {
            reported = cursor;
            yield { kind: 'checkpoint', position: event.position };
          }
        }
      }
    } finally {
      this.onClose(this);
    }
  }
}
