/**
 * The write model: the state of resources as their streams say, read straight from the event
 * store (strongly consistent, unlike the read model). Every event carries the whole resource, so a
 * resource's state is its stream's last event.
 */
import { resourceByKind, type ResourceKind } from '@keystream/api';
import { ABSENT, evolveResource, streamOf, type JsonObject, type Reference, type ResourceState } from '@keystream/domain';
import type { EventStore, RecordedEvent } from '@keystream/eventstore';

/** How far back a retried request is looked for in its stream. */
const REPLAY_WINDOW = 100;

export class ResourceRepository {
  constructor(private readonly eventStore: EventStore) {}

  /** The current state of one resource and the position of its last event. */
  async load(kind: ResourceKind, name: string): Promise<{ state: ResourceState; lastEvent: RecordedEvent | undefined }> {
    const [lastEvent] = await this.eventStore.readStream(streamOf(kind, name), { direction: 'backwards', limit: 1 });
    if (lastEvent === undefined) return { state: ABSENT, lastEvent: undefined };
    return { state: evolveResource(kind, ABSENT, lastEvent), lastEvent };
  }

  /** The live resource, or undefined when it does not exist (never created, or deleted). */
  async liveResource(kind: ResourceKind, name: string): Promise<JsonObject | undefined> {
    const { state } = await this.load(kind, name);
    return state.status === 'live' ? state.resource : undefined;
  }

  /** The live state of each referenced resource by name (undefined for those that do not exist). */
  async loadReferences(references: readonly Reference[]): Promise<Map<string, JsonObject | undefined>> {
    const entries = await Promise.all(
      references.map(async (reference) => {
        resourceByKind(reference.kind); // a reference to a kind keystream does not hold is a bug
        return [reference.name, await this.liveResource(reference.kind, reference.name)] as const;
      }),
    );
    return new Map(entries);
  }

  /** The events a previous attempt of a request appended to a stream, if any (newest first). */
  async findEvents(kind: ResourceKind, name: string, eventIds: readonly string[]): Promise<RecordedEvent[]> {
    const wanted = new Set(eventIds);
    const recent = await this.eventStore.readStream(streamOf(kind, name), { direction: 'backwards', limit: REPLAY_WINDOW });
    return recent.filter((event) => wanted.has(event.id));
  }
}
