/**
 * What deleting a resource would orphan. Resources named under it (any kind whose name patterns
 * pass through its kind) and, for organizations, the organizations and projects naming it as
 * parent, block the delete. The scope's role bindings and invitations do not: they are its access policy
 * (a new project already holds its creator's owner binding) and are removed together with it. The read
 * model answers, after it has caught up with the event store's head, so children created before
 * the delete are seen.
 */
import { RESOURCES, type ResourceKind } from '@keystream/api';
import type { EventStore } from '@keystream/eventstore';
import type { ReadStore } from '@keystream/readstore';
import { escapeRegex } from '@keystream/resource';
import type { ProjectionProgress } from './projectionProgress.js';

/**
 * Kinds removed together with their scope instead of blocking its deletion: its access policy
 * (role bindings) and its invitations (revoked: an invitation into a deleted scope grants nothing).
 */
const REMOVED_WITH_SCOPE: readonly ResourceKind[] = ['RoleBinding', 'ProjectInvitation', 'OrganizationInvitation'];

/** Kinds whose names can sit under a resource of `kind` and block its deletion. */
function kindsUnder(kind: ResourceKind): ResourceKind[] {
  return RESOURCES.filter(
    (descriptor) => !REMOVED_WITH_SCOPE.includes(descriptor.kind) && descriptor.namePatterns.some((pattern) => pattern.parentKinds.includes(kind)),
  ).map((descriptor) => descriptor.kind);
}

function underName(name: string): { name: { $regex: string } } {
  return { name: { $regex: `^${escapeRegex(`${name}/`)}` } };
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
  async count(kind: ResourceKind, name: string): Promise<number> {
    await this.caughtUp();
    const counts = await Promise.all(kindsUnder(kind).map((child) => this.readStore.count(child, underName(name))));
    if (kind === 'Organization') {
      counts.push(...(await Promise.all(ORGANIZATION_MEMBERS.map((member) => this.readStore.count(member, { parentOrganization: name })))));
    }
    return counts.reduce((total, count) => total + count, 0);
  }

  /** The role bindings and invitations to delete together with the named scope. */
  async removedWith(name: string): Promise<{ kind: ResourceKind; name: string }[]> {
    await this.caughtUp();
    const found = await Promise.all(
      REMOVED_WITH_SCOPE.map(async (kind) => (await this.readStore.query(kind, { filter: underName(name) })).documents.map((stored) => ({ kind, name: stored.name }))),
    );
    return found.flat();
  }

  private async caughtUp(): Promise<void> {
    await this.progress.waitForPosition(await this.eventStore.headPosition(), this.waitMilliseconds);
  }
}
