import { KeystreamError } from '@keystream/api';
import type { ExpectedRevision, NewEvent, StreamAppend } from './eventStore.js';

/** Argument checks shared by adapters, so bad input fails the same way everywhere. */
export function validateAppend(stream: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): void {
  if (stream === '') throw new KeystreamError('INVALID_ARGUMENT', 'stream name is empty; expected "<Kind>-<resource name>"');
  if (events.length === 0) throw new KeystreamError('INVALID_ARGUMENT', `append to "${stream}" has no events; expected at least one`);
  if (typeof expectedRevision === 'number' && (!Number.isSafeInteger(expectedRevision) || expectedRevision < 0)) {
    throw new KeystreamError('INVALID_ARGUMENT', `expected revision ${expectedRevision} is not a non-negative integer, "no_stream" or "any"`);
  }
  const ids = new Set<string>();
  for (const event of events) {
    if (event.id === '' || ids.has(event.id)) throw new KeystreamError('INVALID_ARGUMENT', `append to "${stream}" has an empty or repeated event id "${event.id}"; every event needs its own id`);
    if (event.type === '' || event.type.startsWith('$')) throw new KeystreamError('INVALID_ARGUMENT', `event type "${event.type}" is empty or starts with "$" (reserved for system events)`);
    ids.add(event.id);
  }
}


/** The checks of {@link validateAppend} for each append of a multi-stream append, which names each stream at most once. */
export function validateAppends(appends: readonly StreamAppend[]): void {
  const streams = new Set<string>();
  for (const { stream, events, expectedRevision } of appends) {
    validateAppend(stream, events, expectedRevision);
    if (streams.has(stream)) throw new KeystreamError('INVALID_ARGUMENT', `stream "${stream}" appears twice in one multi-stream append`);
    streams.add(stream);
  }
}
