/**
 * The write-model state of one resource instance, folded from its stream.
 *
 * Because every event carries the whole resource (see resourceEvents.ts), folding keeps only the
 * last event's resource; `revision` is the stream revision of that event, which is also the
 * resource's `metadata.resource_version`.
 */
import type { ResourceKind } from '@keystream/api';
import { eventTypeOf, type JsonObject } from '../events/resourceEvents.js';
import { isObject } from '@keystream/kernel';

export type ResourceState =
  /** No event was ever appended to the stream. */
  | { readonly status: 'absent' }
  | { readonly status: 'live'; readonly revision: number; readonly resource: JsonObject }
  /** Deleted: the name may be used again, by a create expecting this revision. */
  | { readonly status: 'deleted'; readonly revision: number; readonly resource: JsonObject };

/** The state of a stream with no events. */
export const ABSENT: ResourceState = { status: 'absent' };

/** The part of a recorded event that folding needs. */
export interface FoldableEvent {
  readonly type: string;
  readonly revision: number;
  readonly data: JsonObject;
}


/** Applies one event of `kind`'s stream to a state. Events without a resource leave it as it was. */
export function evolveResource(kind: ResourceKind, state: ResourceState, event: FoldableEvent): ResourceState {
  const resource = event.data['resource'];
  if (!isObject<JsonObject>(resource)) return state;
  if (event.type === eventTypeOf(kind, 'Deleted')) return { status: 'deleted', revision: event.revision, resource };
  return { status: 'live', revision: event.revision, resource };
}

/** Folds a stream's events (in revision order) into its state. */
export function foldResource(kind: ResourceKind, events: readonly FoldableEvent[]): ResourceState {
  return events.reduce((state, event) => evolveResource(kind, state, event), ABSENT);
}

/** The revision an append after this state must expect: the last revision, or none. */
export function expectedRevisionOf(state: ResourceState): number | 'no_stream' {
  return state.status === 'absent' ? 'no_stream' : state.revision;
}

/** The revision the next event will have. */
export function nextRevisionOf(state: ResourceState): number {
  return state.status === 'absent' ? 0 : state.revision + 1;
}
