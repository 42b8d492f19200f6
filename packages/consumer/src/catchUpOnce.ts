/**
 * The on-demand way to run a consumer's handler: read the log after a position up to its end, in
 * pages, hand each page over, and stop. For consumers that must be level with the log at a given
 * moment rather than follow it, with no checkpoint to keep: the authorization index is brought up
 * to date this way before every decision, so a revocation holds on the very next request. (A
 * subscription cannot serve that moment: it cannot tell when it has passed "the end as of now",
 * since the head may be an event it filters out, e.g. an EventStoreDB system event.)
 */
import type { Position } from '@keystream/kernel';
import type { ConsumerHandler } from './consumerHandler.js';

/** What the catch-up reads: the global log in pages (the EventStore port fits). */
export interface LogReader<Event extends { readonly position: Position }> {
  readAll(fromPosition: Position, limit: number): Promise<readonly Event[]>;
}

/**
 * Hands every event after `from` to `handler` in batches of at most `pageSize`, until a read
 * returns less than a full page; resolves with the position of the last event handed over (`from`
 * when there was none). A failure rejects; the events handed over before it stay handled.
 */
export async function catchUpOnce<Event extends { readonly position: Position }>(
  log: LogReader<Event>,
  handler: ConsumerHandler<Event>,
  from: Position,
  pageSize: number,
  onBatch?: (upTo: Position) => void,
): Promise<Position> {
  let position = from;
  for (;;) {
    const events = await log.readAll(position, pageSize);
    const last = events.at(-1);
    if (last !== undefined) {
      await handler.handle({ events, from: position, upTo: last.position });
      position = last.position;
      onBatch?.(position);
    }
    if (events.length < pageSize) return position;
  }
}
