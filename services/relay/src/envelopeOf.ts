/** Turns a recorded event into the envelope consumers receive. */
import { parseStream } from '@keystream/domain';
import type { RecordedEvent } from '@keystream/eventstore';
import type { EventEnvelope } from '@keystream/eventstream';

/**
 * The envelope of `event`: kind and name from its `<Kind>-<resource name>` stream, so the message
 * key is the resource name. An event of some other stream keeps the stream as its name (kind
 * null), so it is still published, in order with the rest of its stream.
 */
export function envelopeOf(event: RecordedEvent): EventEnvelope {
  const resource = parseStream(event.stream);
  return {
    id: event.id,
    type: event.type,
    stream: event.stream,
    kind: resource?.kind ?? null,
    name: resource?.name ?? event.stream,
    position: event.position,
    revision: event.revision,
    data: event.data,
    metadata: { ...event.metadata },
  };
}
