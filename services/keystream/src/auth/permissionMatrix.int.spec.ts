/**
 * The permission matrix, generated from the contract: for every method that names a permission,
 * a principal holding exactly that permission on the method's target scope gets past
 * authorization, and principals without it are refused — one in another project, one in another
 * organization, one holding every other permission, the anonymous caller, a service account whose
 * key expired and one whose key was deleted.
 */
import { expect } from 'chai';
import { messageDescriptor, METHODS, resourceByKind, type MethodDescriptor, type ResourceDescriptor } from '@keystream/api';
import { BUILTIN_ROLES, builtinSeed, iamPermissions, IAM_SERVICE, SYSTEM_SCOPE } from '@keystream/authz';
import type { JsonObject } from '@keystream/domain';
import { outcomeOf, startAuthTestWorld, type AuthTestWorld } from './authTestWorld.js';
import { authzTargetsOf } from '@keystream/service-api';

const FILL: Readonly<Record<string, string>> = { project: 'pm', organization: 'om', service: 'iam.edgelq.com', region: 'eu' };
/** Methods the authorizing dispatcher serves itself (the others are handed to the resource dispatcher). */
const SERVED_BY_AUTHORIZATION = new Set(['CreateServiceAccountKey', 'RefreshUserFromIdToken', 'CheckMyRoleBindings']);
const ROBOT = 'projects/pm/regions/eu/serviceAccounts/robot';
const ROBOT_MEMBER = 'serviceAccount:robot@pm.serviceaccounts.iam.edgelq.com';

function sampleName(descriptor: ResourceDescriptor, create: boolean): string {
  if (descriptor.kind === 'Project') return create ? 'projects/pnew' : 'projects/pm';
  if (descriptor.kind === 'Organization') return create ? 'organizations/onew' : 'organizations/om';
  const pattern = descriptor.namePatterns.find((candidate) => candidate.segments[0]?.kind === 'Project') ?? descriptor.namePatterns[0];
  if (pattern === undefined) throw new Error(`${descriptor.kind} has no name pattern`);
  return pattern.segments.map((segment) => `${segment.collection}/${FILL[segment.idVariable] ?? 'x1'}`).join('/');
}

function parentOf(name: string): string {
  return name.split('/').slice(0, -2).join('/');
}

/** A request aimed at the method's sample target. */
function requestFor(method: MethodDescriptor): JsonObject {
  if (method.resource === undefined) return {};
  const descriptor = resourceByKind(method.resource);
  const name = sampleName(descriptor, method.standard === 'create');
  const parent = parentOf(name);
  const fields = messageDescriptor(method.requestType);
  switch (method.standard) {
    case 'get':
    case 'delete':
    case 'watch':
      return { name };
    case 'update':
      return { [descriptor.singular]: { name } };
    case 'create':
      return parent === '' ? { [descriptor.singular]: { name } } : { parent, [descriptor.singular]: { name } };
    case 'batchGet':
      return { names: [name] };
    case 'list':
    case 'watchMany':
    case undefined:
      if (method.standard === undefined && fields.field('name') !== undefined) return { name };
      return parent === '' || fields.field('parent') === undefined ? {} : { parent };
    default: {
      const unreachable: never = method.standard;
      throw new Error(`unknown verb ${String(unreachable)}`);
    }
  }
}

function bindingName(scope: string, id: string): string {
  return scope === SYSTEM_SCOPE ? `roleBindings/${id}` : `${scope}/roleBindings/${id}`;
}

interface Case {
  readonly method: MethodDescriptor;
  readonly permission: string;
  readonly scope: string;
  readonly request: JsonObject;
  readonly index: number;
}

describe('permission matrix (every method of the contract)', function () {
  this.timeout(300_000);
  let world: AuthTestWorld;
  const cases: Case[] = METHODS.flatMap((method) => {
    if (method.permission === undefined) return [];
    const request = requestFor(method);
    const [target] = authzTargetsOf(method, request);
    return [{ method, permission: method.permission, scope: target?.scope ?? SYSTEM_SCOPE, request, index: 0 }];
  }).map((entry, index) => ({ ...entry, index }));
  const publicPermissions = new Set<string>();
  const selfServicePermissions = new Set<string>();
  for (const seed of builtinSeed()) {
    if (seed.kind !== 'Role') continue;
    const grants = seed.resource['grants'] as { permissions: string[] }[];
    const target = seed.resource['name'] === BUILTIN_ROLES.public ? publicPermissions : seed.resource['name'] === BUILTIN_ROLES.selfService ? selfServicePermissions : undefined;
    for (const grant of grants) for (const permission of grant.permissions) target?.add(permission);
  }
  const tokens = new Map<string, string>();
  let expiredKey = '';
  let deletedKey = '';
  let liveKey = '';
  const counted = { allowed: 0, refused: 0, skippedByDesign: 0 };

  before(async () => {
    world = await startAuthTestWorld();
    const admin = await world.token('admin@keystream.local');
    for (const project of ['projects/pm', 'projects/pother']) await world.create('Project', { name: project, title: project });
    for (const organization of ['organizations/om', 'organizations/oother']) await world.create('Organization', { name: organization, title: organization });
    await world.create('ServiceAccount', { name: ROBOT, displayName: 'robot' });
    const keyOf = async (extra: JsonObject): Promise<{ name: string; apiKey: string }> => {
      const answer = await world.call('CreateServiceAccountKey', { parent: ROBOT, serviceAccountKey: { algorithm: 'API_KEY', ...extra } }, admin);
      const key = answer.response as JsonObject;
      return { name: key['name'] as string, apiKey: key['apiKey'] as string };
    };
    liveKey = (await keyOf({})).apiKey;
    expiredKey = (await keyOf({ validNotAfter: new Date(Date.now() - 60_000).toISOString() })).apiKey;
    const doomed = await keyOf({});
    deletedKey = doomed.apiKey;
    await world.call('DeleteServiceAccountKey', { name: doomed.name }, admin);

    const all = iamPermissions();
    const roleOf = (id: string): string => `${IAM_SERVICE}/roles/${id}`;
    for (const permission of all) {
      const id = permission.slice(permission.lastIndexOf('/') + 1);
      await world.create('Role', { name: roleOf(`m.${id}`), grants: [{ permissions: [permission] }] });
      await world.create('Role', { name: roleOf(`m.all-but.${id}`), grants: [{ permissions: all.filter((other) => other !== permission) }] });
    }
    const bound = new Set<string>();
    for (const entry of cases) {
      const id = entry.permission.slice(entry.permission.lastIndexOf('/') + 1);
      const key = `${entry.permission}@${entry.scope}`;
      if (bound.has(key)) continue;
      bound.add(key);
      const bind = (scope: string, who: string, role: string, member: string): Promise<JsonObject> =>
        world.create('RoleBinding', { name: bindingName(scope, `${who}.${id}`), role, member });
      await bind(entry.scope, 'exact', roleOf(`m.${id}`), 'user:exact@matrix.test');
      await bind(entry.scope, 'robot', roleOf(`m.${id}`), ROBOT_MEMBER);
      await bind(entry.scope, 'missing', roleOf(`m.all-but.${id}`), `user:missing.${id.toLowerCase()}@matrix.test`);
      if (bound.has(entry.permission)) continue;
      bound.add(entry.permission);
      await bind('projects/pother', 'otherproject', roleOf(`m.${id}`), 'user:otherproject@matrix.test');
      await bind('organizations/oother', 'otherorg', roleOf(`m.${id}`), 'user:otherorg@matrix.test');
    }
    for (const email of ['exact@matrix.test', 'otherproject@matrix.test', 'otherorg@matrix.test']) tokens.set(email, await world.token(email));
    await world.settle();
  });

  after(async () => {
    await world.close();
    console.log(
      `      permission matrix: ${cases.length} methods × 8 principals = ${cases.length * 8} cases; ${counted.allowed} allowed as expected, ${counted.refused} refused as expected, ${counted.skippedByDesign} public or self-service by design (see docs/security.md)`,
    );
  });

  /** Calls through the probe; answers whether the call got past authorization, and the code it failed with. */
  async function attempt(entry: Case, bearer: string | undefined): Promise<{ passed: boolean; outcome: string }> {
    const before = world.reached();
    const outcome = await outcomeOf(world.call(entry.method, entry.request, bearer, { probe: true }));
    const reached = world.reached() > before;
    const passed = reached || (SERVED_BY_AUTHORIZATION.has(entry.method.name) && outcome !== 'UNAUTHENTICATED' && outcome !== 'PERMISSION_DENIED');
    // Lists of projects and organizations have no parent: a principal without a system-wide grant
    // is narrowed to what it may see rather than refused. Narrowed away from the target is refused.
    const filter = (world.lastProbeRequest() as { filter?: unknown } | undefined)?.filter;
    if (reached && typeof filter === 'string' && filter.includes('name IN') && !filter.includes('"projects/pm"') && !filter.includes('"organizations/om"')) return { passed: false, outcome: 'NARROWED' };
    return { passed, outcome };
  }

  for (const entry of cases) {
    it(`${entry.method.name} (${entry.permission.slice(entry.permission.lastIndexOf('/') + 1)} on ${entry.scope || 'the system scope'})`, async () => {
      const id = entry.permission.slice(entry.permission.lastIndexOf('/') + 1);
      const exact = await attempt(entry, tokens.get('exact@matrix.test'));
      expect(exact.passed, `exact permission: ${exact.outcome}`).to.equal(true);
      const robot = await attempt(entry, liveKey);
      expect(robot.passed, `service account with a live key: ${robot.outcome}`).to.equal(true);
      counted.allowed += 2;

      const isPublic = publicPermissions.has(entry.permission);
      const isSelfService = selfServicePermissions.has(entry.permission);
      const refusals: [string, string | undefined, readonly string[]][] = [
        ['another project', tokens.get('otherproject@matrix.test'), ['PERMISSION_DENIED', 'NOT_FOUND', 'NARROWED', 'ok']],
        ['another organization', tokens.get('otherorg@matrix.test'), ['PERMISSION_DENIED', 'NOT_FOUND', 'NARROWED', 'ok']],
        ['every permission but this one', await world.token(`missing.${id.toLowerCase()}@matrix.test`), ['PERMISSION_DENIED', 'NOT_FOUND', 'NARROWED', 'ok']],
        ['anonymous', undefined, ['UNAUTHENTICATED']],
        ['an expired key', expiredKey, ['UNAUTHENTICATED']],
        ['a deleted key', deletedKey, ['UNAUTHENTICATED']],
      ];
      for (const [who, bearer, codes] of refusals) {
        const authenticated = who !== 'anonymous' && !who.includes('key');
        if (isPublic && !who.includes('key')) {
          counted.skippedByDesign += 1;
          continue;
        }
        if (isSelfService && authenticated) {
          counted.skippedByDesign += 1;
          continue;
        }
        const result = await attempt(entry, bearer);
        expect(result.passed, `${who} got past authorization`).to.equal(false);
        expect(codes, `${who}: ${result.outcome}`).to.include(result.outcome);
        counted.refused += 1;
      }
    });
  }

  it('should serve GetPrincipal (no permission in the contract) to every caller about itself', async () => {
    const anonymous = await world.call('GetPrincipal', {}, undefined);
    expect(anonymous.response).to.deep.include({ anonymous: true });
    const user = await world.call('GetPrincipal', {}, tokens.get('exact@matrix.test'));
    expect((user.response as { user: JsonObject }).user).to.include({ email: 'exact@matrix.test' });
    const robot = await world.call('GetPrincipal', {}, liveKey);
    expect((robot.response as { serviceAccount: JsonObject }).serviceAccount).to.include({ name: ROBOT });
    expect(await outcomeOf(world.call('GetPrincipal', { authToken: expiredKey }, tokens.get('exact@matrix.test')))).to.equal('UNAUTHENTICATED');
  });
});
