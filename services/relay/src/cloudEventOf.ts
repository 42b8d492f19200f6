/** Turns a recorded event into the CloudEvent consumers receive, or into nothing. */
import { isResourceKind } from '@keystream/api';
import { parseStream } from '@keystream/domain';
import type { RecordedEvent } from '@keystream/eventstore';
import { resourceCloudEvent, type KeystreamCloudEvent } from '@keystream/eventstream';
import { isObject, type JsonObject } from '@keystream/kernel';

/**
 * The CloudEvent of `event` when it is about a resource of the contract (`<Kind>-<name>` stream,
 * `<Kind><Verb>` type, the resource in its data), else undefined: the log's internal streams
 * (the API-key hash index) are not part of the API and are not published.
 * A resource event without its resource breaks the domain's rule that every event carries the
 * whole resource; it throws rather than being skipped silently.
 */
export function cloudEventOf(event: RecordedEvent): KeystreamCloudEvent | undefined {
  const stream = parseStream(event.stream);
  if (stream === undefined || !isResourceKind(stream.kind) || !event.type.startsWith(stream.kind)) return undefined;
  const resource = event.data['resource'];
  if (!isObject<JsonObject>(resource)) throw new Error(`event ${event.id} (${event.type}) of ${event.stream} carries no resource to publish`);
  return resourceCloudEvent({
    id: event.id,
    kind: stream.kind,
    verb: event.type.slice(stream.kind.length),
    name: stream.name,
    resource,
    position: event.position,
    revision: event.revision,
    time: event.metadata.occurredAt,
  });
}
