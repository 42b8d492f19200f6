/**
 * Writes a history straight into an embedded event store, as the command core would have: for
 * benchmarks that time a rebuild (projector) or a catch-up (relay) of an existing log.
 */
import { randomUUID } from 'node:crypto';
import { streamOf } from '@keystream/domain';
import { openLmdbEventStore, type NewEvent } from '@keystream/eventstore';
import { normalizeTimestamp } from '@keystream/resource';

/** Appends `count` ProjectCreated events (one per project, 256 appends in flight) to the store in `directory`. */
export async function seedProjects(directory: string, count: number): Promise<void> {
  const store = openLmdbEventStore({ path: directory });
  const tiers = ['SMALL', 'MEDIUM', 'LARGE', 'XSMALL'];
  const environments = ['prod', 'staging', 'dev'];
  try {
    const batch: Promise<unknown>[] = [];
    for (let index = 0; index < count; index++) {
      const now = normalizeTimestamp(new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString());
      const name = `projects/seed-${index.toString(36)}`;
      const resource = {
        name,
        title: `project ${index}`,
        businessTier: tiers[index % tiers.length] as string,
        metadata: {
          labels: { env: environments[index % environments.length] as string },
          createTime: now,
          updateTime: now,
          uuid: randomUUID(),
          generation: 1,
          resourceVersion: '0',
          lifecycle: { state: 'ACTIVE' },
        },
      };
      const event: NewEvent = {
        id: randomUUID(),
        type: 'ProjectCreated',
        data: { resource },
        metadata: { actor: 'bench', requestId: `seed-${index}`, correlationId: `seed-${index}`, causationId: `seed-${index}`, occurredAt: now, schema: 1 },
      };
      batch.push(store.append(streamOf('Project', name), [event], 'no_stream'));
      if (batch.length === 256) await Promise.all(batch.splice(0));
    }
    await Promise.all(batch);
  } finally {
    await store.close();
  }
}
