/**
 * Builders of recorded-event histories in the domain's naming (`<Kind>-<name>` streams,
 * `<Kind><Verb>` types, the whole resource in `data.resource`), for the projector's tests.
 */
import { randomUUID } from 'node:crypto';
import { eventTypeOf, streamOf } from '@keystream/domain';
import type { AppendResult, EventStore, JsonObject, NewEvent } from '@keystream/eventstore';

/** A new event of the resource lifecycle. Deletions carry the name and the last state, as the domain writes them. */
export function lifecycleEvent(kind: string, verb: 'Created' | 'Updated' | 'Deleted', resource: JsonObject, occurredAt = new Date().toISOString()): NewEvent {
  const id = randomUUID();
  const name = resource['name'];
  const data: JsonObject = verb === 'Deleted' ? { name: typeof name === 'string' ? name : '', resource } : { resource };
  return { id, type: eventTypeOf(kind, verb), data, metadata: { actor: 'user:projector-test@example.com', requestId: id, correlationId: id, causationId: id, occurredAt, schema: 1 } };
}

/** Appends one lifecycle event to the resource's stream (no revision check: tests write histories, not commands). */
export function appendLifecycle(store: EventStore, kind: string, verb: 'Created' | 'Updated' | 'Deleted', resource: JsonObject): Promise<AppendResult> {
  const name = resource['name'];
  if (typeof name !== 'string') throw new Error('a resource needs a string name');
  return store.append(streamOf(kind, name), [lifecycleEvent(kind, verb, resource)], 'any');
}

/** A Project resource with timestamps in a non-stored spelling, so normalisation is visible. */
export function project(id: string, title: string, createTime = '2024-01-02T03:04:05Z'): JsonObject {
  return { name: `projects/${id}`, title, metadata: { createTime, updateTime: '2024-01-02T04:04:05.5+01:00' } };
}

/** A unique, valid resource id (lowercase letter first, 12 characters). */
export function uniqueId(prefix = 'p'): string {
  return `${prefix}${randomUUID().replaceAll('-', '').slice(0, 11)}`;
}
