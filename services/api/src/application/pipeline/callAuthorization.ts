/**
 * The authorization step: a call is allowed only when the principal holds the method's permission
 * on each of the call's targets (deny unless a RoleBinding allows). Lists and searches of projects
 * and organizations, which have no parent, are narrowed to what the principal may see instead.
 *
 * Refusals: an anonymous caller is told to authenticate (401); a signed-in caller reading a single
 * resource it may not read is told the resource does not exist (404, the same answer as for a
 * missing one, so existence does not leak); any other refusal is 403 naming the permission.
 */
import { KeystreamError, resourceByKind, type MethodDescriptor } from '@keystream/api';
import { actorOf, IAM_SERVICE, isWildcardScope, scopeOfName, SYSTEM_SCOPE, type Authorizer, type AuthzIndex, type Principal } from '@keystream/authz';
import type { JsonObject } from '@keystream/domain';
import { isObject } from '@keystream/kernel';
import type { ResourceRepository } from '../../core/resourceRepository.js';
import { authzTargetsOf, type AuthzTarget } from './authzTargets.js';
import { guardEscalation } from './escalationGuard.js';
import { resourceConditionSubjects } from './resourceConditionSubjects.js';

type Request = Readonly<Record<string, unknown>>;

/** Above this many visible projects or organizations a narrowed filter would be unwieldy: list per organization instead. */
const MAX_NARROWED_NAMES = 500;

function authenticationNeeded(method: MethodDescriptor): KeystreamError {
  return new KeystreamError('UNAUTHENTICATED', `${method.name} needs an authenticated caller: send "Authorization: Bearer <token>"`, [], {
    headers: { 'www-authenticate': 'Bearer realm="keystream"' },
  });
}

/** No attestation token came with the call. */
const NOTHING_ATTESTED: ReadonlySet<string> = new Set();

/** What authorization lets through: the request to handle (maybe narrowed), or the empty answer. */
export type Authorized = { readonly kind: 'handle'; readonly request: Request } | { readonly kind: 'answer'; readonly response: JsonObject };

/** Decides calls on the authorization state. */
export class CallAuthorization {
  constructor(
    readonly authorizer: Authorizer,
    readonly index: AuthzIndex,
    readonly repository: ResourceRepository,
  ) {}

  /** Authorizes a unary call; throws the refusal the caller should see. */
  async authorizeCall(principal: Principal, method: MethodDescriptor, request: Request, remoteAddress: string, attestedDomains: ReadonlySet<string> = NOTHING_ATTESTED): Promise<Authorized> {
    // Only GetPrincipal and WatchPrincipalUpdates name no permission: about the caller itself, or
    // about others for a caller allowed to read principals.
    if (method.permission === undefined) {
      if (method.name === 'GetPrincipal' && typeof request['principalKeyId'] === 'string' && request['principalKeyId'] !== '') {
        await this.authorizePrincipalReader(principal, 'get', request, remoteAddress);
      }
      return { kind: 'handle', request };
    }
    const narrowed = await this.narrowTopLevelCollection(principal, method, request, remoteAddress, attestedDomains);
    if (narrowed !== undefined) return narrowed;
    for (const target of authzTargetsOf(method, request)) await this.authorizeTarget(principal, method, target, request, remoteAddress, attestedDomains);
    const destination = await this.movedTo(method, request);
    if (destination !== undefined) await this.authorizeTarget(principal, method, { scope: destination, target: destination }, request, remoteAddress, attestedDomains);
    // No one may be given, through this write, a right the caller does not hold (escalationGuard.ts).
    await guardEscalation(this, principal, method, request, remoteAddress);
    return { kind: 'handle', request };
  }

  /**
   * Authorizes opening a watch: the watch method's permission on the request's targets, with the
   * refusals of {@link authorizeCall}. Watches of projects or organizations without a parent are
   * narrowed like their Lists: any signed-in principal may open one, and sees only what
   * {@link canSeeNow} lets through.
   */
  async authorizeWatch(principal: Principal, method: MethodDescriptor, request: Request, remoteAddress: string, attestedDomains: ReadonlySet<string> = NOTHING_ATTESTED): Promise<void> {
    if (method.name === 'WatchPrincipalUpdates') {
      await this.authorizePrincipalReader(principal, 'watch', request, remoteAddress);
      return;
    }
    // Stream methods without a permission are not resource watches; the engine answers UNIMPLEMENTED.
    if (method.permission === undefined) return;
    const topLevel = (method.resource === 'Project' || method.resource === 'Organization') && method.standard === 'watchMany';
    if (topLevel && principal.kind !== 'anonymous') return;
    for (const target of authzTargetsOf(method, request)) await this.authorizeTarget(principal, method, target, request, remoteAddress, attestedDomains);
  }

  /**
   * Reading other principals (GetPrincipal by key id, WatchPrincipalUpdates) is for the services
   * that verify callers: the contract names no permission, so keystream asks for the users' and
   * service-account keys' own `get` (or `watch`) permissions in the requesting service's scope,
   * or system-wide when no service is named (docs/identity.md).
   */
  async authorizePrincipalReader(principal: Principal, verb: 'get' | 'watch', request: Request, remoteAddress: string): Promise<void> {
    const service = typeof request['requestingService'] === 'string' && request['requestingService'] !== '' ? request['requestingService'] : undefined;
    if (service !== undefined && !/^services\/[a-z][a-z0-9.-]*$/.test(service)) {
      throw KeystreamError.invalidArgument([{ field: 'requesting_service', description: `expected services/<domain>, got ${JSON.stringify(service)}` }]);
    }
    const scope = service ?? SYSTEM_SCOPE;
    for (const permission of [`${IAM_SERVICE}/permissions/users.${verb}`, `${IAM_SERVICE}/permissions/serviceAccountKeys.${verb}`]) {
      const decision = await this.authorizer.check({ principal, permission, scope, target: scope, remoteAddress });
      if (decision.allowed) continue;
      if (principal.kind === 'anonymous') {
        throw new KeystreamError('UNAUTHENTICATED', 'reading principals needs an authenticated caller: send "Authorization: Bearer <token>"', [], { headers: { 'www-authenticate': 'Bearer realm="keystream"' } });
      }
      throw new KeystreamError('PERMISSION_DENIED', `${actorOf(principal)} lacks ${permission} on ${scope === SYSTEM_SCOPE ? 'the system scope' : scope}`);
    }
  }

  /**
   * Whether a principal may see one document of a collection it lists or watches: the permission
   * of the collection method on the document's own name.
   */
  async canSee(principal: Principal, method: MethodDescriptor, document: Readonly<Record<string, unknown>>, remoteAddress: string, attestedDomains: ReadonlySet<string> = NOTHING_ATTESTED): Promise<boolean> {
    const name = document['name'];
    if (method.permission === undefined || typeof name !== 'string') return false;
    const decision = await this.authorizer.check({ principal, permission: method.permission, scope: scopeOfName(name), target: name, remoteAddress, attestedDomains, resource: () => Promise.resolve(document as JsonObject) });
    return decision.allowed;
  }

  /** The synchronous form of {@link canSee} for the watch engine: the List permission of the document's kind, on the state as it is. */
  canSeeNow(principal: Principal, document: Readonly<Record<string, unknown>>, permission: string | undefined, remoteAddress: string, attestedDomains: ReadonlySet<string> = NOTHING_ATTESTED): boolean {
    const name = document['name'];
    if (typeof name !== 'string' || permission === undefined) return false;
    return this.authorizer.checkNow({ principal, permission, scope: scopeOfName(name), target: name, remoteAddress, attestedDomains }, document as JsonObject).allowed;
  }

  /** Decides one target; throws the refusal the caller should see. */
  async authorizeTarget(principal: Principal, method: MethodDescriptor, target: AuthzTarget, request: Request, remoteAddress: string, attestedDomains: ReadonlySet<string> = NOTHING_ATTESTED): Promise<void> {
    const permission = method.permission as string;
    const decision = await this.authorizer.check({
      principal,
      permission,
      scope: target.scope,
      target: target.target,
      request,
      remoteAddress,
      attestedDomains,
      // Conditions hold on the stored resource (and an update's result), never on the request alone.
      resource: () => resourceConditionSubjects(this.repository, method, target, request),
    });
    if (decision.allowed) return;
    if (principal.kind === 'anonymous') throw authenticationNeeded(method);
    if ((method.standard === 'get' || method.standard === 'watch') && method.resource !== undefined) {
      // The same words as a missing resource: a caller without access learns nothing of existence.
      throw new KeystreamError('NOT_FOUND', `${method.resource} ${target.target} does not exist`);
    }
    const where = target.scope === SYSTEM_SCOPE ? 'the system scope' : isWildcardScope(target.scope) ? `${target.scope} (a wildcard scope needs a system-wide grant)` : target.scope;
    throw new KeystreamError('PERMISSION_DENIED', `${actorOf(principal)} lacks ${permission} on ${where}`);
  }

  /**
   * Lists and searches of projects and organizations have no parent to authorize on. A principal
   * allowed system-wide sees everything; any other sees the projects or organizations it holds the
   * permission on: the request's filter is narrowed to those names (or the answer is empty).
   */
  private async narrowTopLevelCollection(principal: Principal, method: MethodDescriptor, request: Request, remoteAddress: string, attestedDomains: ReadonlySet<string>): Promise<Authorized | undefined> {
    const kind = method.resource;
    if (kind !== 'Project' && kind !== 'Organization') return undefined;
    if (method.standard !== 'list' && method.name !== `Search${kind === 'Project' ? 'Projects' : 'Organizations'}`) return undefined;
    const permission = method.permission as string;
    const system = await this.authorizer.check({ principal, permission, scope: SYSTEM_SCOPE, request, remoteAddress, attestedDomains });
    if (system.allowed) return undefined;
    if (principal.kind === 'anonymous') throw authenticationNeeded(method);
    const visible: string[] = [];
    for (const scope of this.index.scopesOfKind(kind === 'Project' ? 'projects/' : 'organizations/')) {
      const decision = await this.authorizer.check({ principal, permission, scope, target: scope, request, remoteAddress, attestedDomains });
      if (decision.allowed) visible.push(scope);
    }
    const plural = resourceByKind(kind).plural;
    if (visible.length === 0) return { kind: 'answer', response: { [plural]: [] } };
    if (visible.length > MAX_NARROWED_NAMES) {
      throw new KeystreamError('PERMISSION_DENIED', `${actorOf(principal)} may see ${visible.length} ${plural} but lacks ${permission} system-wide; list them through their organizations`);
    }
    const names = `name IN [${visible.sort().map((name) => JSON.stringify(name)).join(', ')}]`;
    const filter = typeof request['filter'] === 'string' && request['filter'].trim() !== '' ? `(${request['filter']}) AND ${names}` : names;
    return { kind: 'handle', request: { ...request, filter } };
  }

  /**
   * The organization a project or organization update moves it under, when it changes: moving
   * needs the permission there too, or a project administrator could hand a project to (or take
   * it from) an organization it does not administer.
   */
  private async movedTo(method: MethodDescriptor, request: Request): Promise<string | undefined> {
    if (method.standard !== 'update' || (method.resource !== 'Project' && method.resource !== 'Organization')) return undefined;
    const body = request[resourceByKind(method.resource).singular];
    if (!isObject<JsonObject>(body) || typeof body['name'] !== 'string') return undefined;
    const wanted = typeof body['parentOrganization'] === 'string' ? body['parentOrganization'] : '';
    const stored = await this.repository.liveResource(method.resource, body['name']);
    const current = typeof stored?.['parentOrganization'] === 'string' ? stored['parentOrganization'] : '';
    const mask = Array.isArray(request['updateMask']) ? (request['updateMask'] as unknown[]) : undefined;
    const touchesParent = mask === undefined || mask.length === 0 || mask.some((path) => path === 'parentOrganization' || path === 'parent_organization');
    if (!touchesParent || wanted === current) return undefined;
    // Moving to the top level needs the permission system-wide.
    return wanted === '' ? SYSTEM_SCOPE : wanted;
  }
}
