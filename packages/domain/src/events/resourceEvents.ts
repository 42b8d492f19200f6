/**
 * The events of the resource lifecycle and how they are named and stored (ARCHITECTURE.md §3).
 *
 * One stream per resource instance, `<Kind>-<resource name>`. Event types are `<Kind><Verb>` in
 * the past tense. Every event that leaves a resource in existence carries the **whole resource as
 * it is after the event** (`data.resource`, internal form, secrets never included), so any single
 * event is enough to rebuild state, serve Get, project a document or feed Kafka consumers; a
 * deletion carries the name and the last state.
 */
import { isObject, type JsonObject } from '@keystream/kernel';

/** Event data and resources in their internal form are kernel JSON objects. */
export type { JsonObject } from '@keystream/kernel';

/** Verbs of the standard lifecycle. Custom methods add their own (e.g. `Accepted`). */
export type LifecycleVerb = 'Created' | 'Updated' | 'Deleted';

/** Data of an event that leaves the resource in existence. */
export interface ResourceStateEventData {
  readonly resource: JsonObject;
  /** Paths (canonical, camelCase) that changed, for updates. */
  readonly updatedPaths?: readonly string[];
}

/** Data of a deletion. */
export interface ResourceDeletedEventData {
  readonly name: string;
  /** The resource as it was when deleted. */
  readonly resource: JsonObject;
}

const STREAM_SEPARATOR = '-';

/** The stream of a resource instance: `RoleBinding-projects/p1/roleBindings/admin`. */
export function streamOf(kind: string, name: string): string {
  return `${kind}${STREAM_SEPARATOR}${name}`;
}

/** Splits a stream name back into kind and resource name; undefined for streams that are not resources'. */
export function parseStream(stream: string): { kind: string; name: string } | undefined {
  const separator = stream.indexOf(STREAM_SEPARATOR);
  if (separator <= 0) return undefined;
  const kind = stream.slice(0, separator);
  if (!/^[A-Z][A-Za-z]*$/.test(kind)) return undefined;
  return { kind, name: stream.slice(separator + 1) };
}

/** `ProjectCreated`, `RoleBindingDeleted`, `ProjectInvitationAccepted`, … */
export function eventTypeOf(kind: string, verb: string): string {
  return `${kind}${verb}`;
}

/** What an event does to its resource's read-model document. */
export type DocumentEffect =
  | { readonly op: 'put'; readonly kind: string; readonly name: string; readonly document: JsonObject }
  | { readonly op: 'delete'; readonly kind: string; readonly name: string };


/**
 * How a recorded event changes the read model: a deletion (`…Deleted`) removes the document, any
 * other event with `data.resource` replaces it. Events of streams that are not resource streams
 * (or carry no resource) have no effect. The projector and the Kafka relay both use this, so
 * they agree on what every event means.
 */
export function documentEffectOf(event: { readonly stream: string; readonly type: string; readonly data: JsonObject }): DocumentEffect | undefined {
  const stream = parseStream(event.stream);
  if (!stream) return undefined;
  if (event.type === eventTypeOf(stream.kind, 'Deleted')) return { op: 'delete', kind: stream.kind, name: stream.name };
  const resource = event.data['resource'];
  if (!isObject<JsonObject>(resource)) return undefined;
  return { op: 'put', kind: stream.kind, name: stream.name, document: resource };
}
