/**
 * Counts what would be orphaned by deleting a resource: resources named under it (any kind whose
 * name patterns pass through its kind) and, for organizations, the organizations and projects that
 * name it as parent. The read model answers, after it has caught up with the event store's head,
 * so children created before the delete are seen.
 */
import { RESOURCES } from '@keystream/api';
import type { EventStore } from '@keystream/eventstore';
import type { ReadStore } from '@keystream/readstore';
import { escapeRegex } from '@keystream/resource';
import type { ProjectionProgress } from './projectionProgress.js';

/** Kinds whose names can sit under a resource of `kind`. */
function kindsUnder(kind: string): string[] {
  return RESOURCES.filter((descriptor) => descriptor.namePatterns.some((pattern) => pattern.parentKinds.includes(kind))).map((descriptor) => descriptor.kind);
}

/** Kinds that point at an organization as their parent by reference rather than by name. */
const ORGANIZATION_MEMBERS = ['Organization', 'Project'] as const;

export class ChildCounter {
  constructor(
    private readonly eventStore: EventStore,
    private readonly readStore: ReadStore,
    private readonly progress: ProjectionProgress,
    private readonly waitMilliseconds: number,
  ) {}

  /** How many resources depend on the named resource of `kind`. */
  async count(kind: string, name: string): Promise<number> {
    await this.progress.waitForPosition(await this.eventStore.headPosition(), this.waitMilliseconds);
    const underName = { name: { $regex: `^${escapeRegex(`${name}/`)}` } };
    const counts = await Promise.all(kindsUnder(kind).map((child) => this.readStore.count(child, underName)));
    if (kind === 'Organization') {
      counts.push(...(await Promise.all(ORGANIZATION_MEMBERS.map((member) => this.readStore.count(member, { parentOrganization: name })))));
    }
    return counts.reduce((total, count) => total + count, 0);
  }
}
