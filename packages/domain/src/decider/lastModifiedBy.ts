/**
 * Who made a resource what it is: the principal of the event that last changed it, kept on the
 * resource as a server-owned annotation, because the resource messages have no author field and a
 * watch client sees resources, not event envelopes (docs/decisions.md, "Who changed it").
 *
 * The value is the same `actor` the command core writes into the event's envelope
 * (`user:alice@example.com`, `serviceAccount:…`, `system`), taken from the same variable when the
 * event is decided, so the resource and the log cannot disagree. It is a principal's name, never a
 * credential: actors are built from the authenticated principal (`actorOf`), not from the token.
 */
import { isObject } from '@keystream/kernel';
import type { JsonObject } from '../events/resourceEvents.js';
import type { Decision } from './resourceDecider.js';

/** The annotation: `metadata.annotations["iam.keystream.io/last-modified-by"]`. */
export const LAST_MODIFIED_BY_ANNOTATION = 'iam.keystream.io/last-modified-by';

function metadataOf(resource: JsonObject): JsonObject {
  const metadata = resource['metadata'];
  return isObject<JsonObject>(metadata) ? metadata : {};
}

function annotationsOf(resource: JsonObject): JsonObject {
  const annotations = metadataOf(resource)['annotations'];
  return isObject<JsonObject>(annotations) ? annotations : {};
}

/** The principal that last changed `resource`, if it was changed since keystream records it. */
export function lastModifiedByOf(resource: JsonObject): string | undefined {
  const value = annotationsOf(resource)[LAST_MODIFIED_BY_ANNOTATION];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A copy of `resource` whose annotation says `actor`; `undefined` removes it (what a caller sent
 * under this key is dropped that way: the annotation is the server's, like an output-only field).
 */
export function withLastModifiedBy(resource: JsonObject, actor: string | undefined): JsonObject {
  const current = annotationsOf(resource);
  if (actor === undefined && !(LAST_MODIFIED_BY_ANNOTATION in current)) return resource;
  const annotations: JsonObject = Object.fromEntries(Object.entries(current).filter(([key]) => key !== LAST_MODIFIED_BY_ANNOTATION));
  if (actor !== undefined) annotations[LAST_MODIFIED_BY_ANNOTATION] = actor;
  const metadata: JsonObject = { ...metadataOf(resource) };
  if (Object.keys(annotations).length > 0) metadata['annotations'] = annotations;
  else delete metadata['annotations'];
  return { ...resource, metadata };
}

/**
 * A decision of a custom decider (accept, decline, expire, resend …) with every resource it writes
 * stamped with `actor`: the resource each event carries, and the answer. The standard lifecycle
 * stamps inside `decideResource` instead, where the changed paths are computed.
 */
export function stampDecision(decision: Decision, actor: string): Decision {
  if (decision.events.length === 0) return decision;
  return {
    ...decision,
    events: decision.events.map((event) => {
      const resource = event.data['resource'];
      return isObject<JsonObject>(resource) ? { ...event, data: { ...event.data, resource: withLastModifiedBy(resource, actor) } } : event;
    }),
    ...(decision.resource === undefined ? {} : { resource: withLastModifiedBy(decision.resource, actor) }),
  };
}
