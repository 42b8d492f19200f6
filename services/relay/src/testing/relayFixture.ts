/** Real embedded stores in a temporary directory, and helpers to write resource histories. */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openLmdbEventStore, type EventStore, type NewEvent, type Position } from '@keystream/eventstore';
import { openLmdbCheckpoints, type LmdbCheckpoints } from '@keystream/consumer';

/** The event store and the relay's checkpoint environment of one test; close removes them. */
export interface RelayFixture {
  readonly eventStore: EventStore;
  readonly checkpoints: LmdbCheckpoints;
  close(): Promise<void>;
}

export async function openRelayFixture(): Promise<RelayFixture> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'keystream-relay-'));
  const eventStore = openLmdbEventStore({ path: path.join(directory, 'events') });
  const checkpoints = openLmdbCheckpoints({ path: path.join(directory, 'relay') });
  return {
    eventStore,
    checkpoints,
    async close() {
      await checkpoints.close();
      await eventStore.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** An event as the domain records it: the whole project (internal form) after the change. */
function projectEvent(name: string, revision: number): NewEvent {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    type: revision === 0 ? 'ProjectCreated' : 'ProjectUpdated',
    data: {
      resource: {
        name,
        title: `title ${revision}`,
        metadata: { createTime: now, updateTime: now, uuid: randomUUID(), generation: revision + 1, resourceVersion: String(revision), lifecycle: { state: 'ACTIVE' } },
      },
    },
    metadata: { actor: 'user:relay-test@example.com', requestId: randomUUID(), correlationId: 'relay-test', causationId: 'relay-test', occurredAt: now, schema: 1 },
  };
}

/** What was appended: every event id in log order, and per resource name its ids in order. */
export interface AppendedHistory {
  readonly ids: string[];
  readonly byName: Map<string, string[]>;
  readonly last: Position;
}

/**
 * Appends `perResource` events to each of `resources` new projects, interleaved round-robin
 * (one event per append, so positions interleave the resources).
 */
export async function appendInterleaved(eventStore: EventStore, resources: number, perResource: number, into?: AppendedHistory): Promise<AppendedHistory> {
  const history: AppendedHistory = into ?? { ids: [], byName: new Map(), last: '' };
  const names = Array.from({ length: resources }, () => `projects/p-${randomUUID().slice(0, 12)}`);
  let last = history.last;
  for (let revision = 0; revision < perResource; revision += 1) {
    for (const name of names) {
      const event = projectEvent(name, revision);
      const result = await eventStore.append(`Project-${name}`, [event], revision === 0 ? 'no_stream' : revision - 1);
      history.ids.push(event.id);
      history.byName.set(name, [...(history.byName.get(name) ?? []), event.id]);
      last = result.position;
    }
  }
  return { ...history, last };
}

/** Keeps the first occurrence of each event id, in arrival order: what a deduplicating consumer sees. */
export function dedupeById<T extends { readonly event: { readonly id: string } }>(messages: readonly T[]): T[] {
  const seen = new Set<string>();
  return messages.filter((message) => (seen.has(message.event.id) ? false : (seen.add(message.event.id), true)));
}
