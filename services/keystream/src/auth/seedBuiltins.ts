/**
 * Seeds what a fresh installation needs before anyone can call it: every iam Permission, the
 * built-in roles, the self-service and public bindings, and the configured bootstrap
 * administrators. Idempotent (existing resources are left alone; a built-in role whose grants
 * drifted from this version's permission list is updated), so it runs at every start and from
 * several replicas at once.
 */
import { isKeystreamError } from '@keystream/api';
import { bootstrapAdminBinding, builtinSeed, type SeedResource } from '@keystream/authz';
import type { JsonObject } from '@keystream/domain';
import { systemEnvelope, type CommandService, type ResourceRepository } from '@keystream/service-api';

/** What seeding did, for the start banner. */
export interface SeedReport {
  readonly created: number;
  readonly updated: number;
  /** Position of the last event seeding appended ('' when it appended none). */
  readonly position: string;
}

/** Seeds the built-ins and bootstrap administrators. */
export async function seedBuiltins(commands: CommandService, repository: ResourceRepository, bootstrapAdmins: readonly string[]): Promise<SeedReport> {
  let created = 0;
  let updated = 0;
  let position = '';
  const seeds: SeedResource[] = [...builtinSeed(), ...bootstrapAdmins.map(bootstrapAdminBinding)];
  // One seeding run is one request of the system: its events share one correlation id.
  const SYSTEM = systemEnvelope();
  for (const seed of seeds) {
    const resource = seed.resource as JsonObject;
    const name = resource['name'] as string;
    const existing = await repository.liveResource(seed.kind, name);
    try {
      if (existing === undefined) {
        position = (await commands.execute({ type: 'create', kind: seed.kind, resource }, SYSTEM)).position;
        created += 1;
      } else if (seed.kind === 'Role' && JSON.stringify(existing['grants']) !== JSON.stringify(resource['grants'])) {
        position = (await commands.execute({ type: 'update', kind: 'Role', resource: { name, grants: resource['grants'] ?? [] }, updateMask: ['grants'] }, SYSTEM)).position;
        updated += 1;
      }
    } catch (error) {
      // Another replica seeded it in between.
      if (!(isKeystreamError(error) && (error.code === 'ALREADY_EXISTS' || error.code === 'ABORTED'))) throw error;
    }
  }
  return { created, updated, position };
}
