/**
 * The authorizing front of the API: every call is authenticated (headers → principal), brought
 * level with the event log (so a revocation applies to the very next request), authorized for the
 * method's permission on each of its targets, and only then handed to the resource dispatcher with
 * the principal as the command actor.
 *
 * Refusals: an anonymous caller is told to authenticate (401); a signed-in caller reading a single
 * resource it may not read is told the resource does not exist (404, the same answer as for a
 * missing one, so existence does not leak); any other refusal is 403 naming the permission.
 *
 * It also serves the methods that are about credentials and principals themselves:
 * CreateServiceAccountKey (key material returned once, never stored), RefreshUserFromIdToken,
 * GetPrincipal and CheckMyRoleBindings.
 */
import { randomUUID } from 'node:crypto';
import { isKeystreamError, KeystreamError, resourceByKind, type MethodDescriptor } from '@keystream/api';
import {
  actorOf,
  BUILTIN_ROLES,
  generateApiKey,
  generateRsaKeyPair,
  isWildcardScope,
  readPublicKey,
  scopeChainOf,
  scopeOfName,
  SYSTEM_SCOPE,
  type Authenticator,
  type Authorizer,
  type AuthzFeed,
  type AuthzIndex,
  type Principal,
  type ServiceAccountCredentials,
} from '@keystream/authz';
import { API_KEY_HASH_REGISTERED, apiKeyHashRegisteredData, apiKeyHashStreamOf, serviceAccountEmailOf, type JsonObject } from '@keystream/domain';
import type { EventStore } from '@keystream/eventstore';
import { applyResponseMask, type ResponseMask } from '@keystream/resource';
import { type ApiCall, type ApiResult, type AuthenticatedCall, type CommandService, type ResourceRepository } from '@keystream/service-api';
import { authzTargetsOf, type AuthzTarget } from './authzTargets.js';
import { userNameOf } from './userNames.js';
import { isObject, snakeToCamel, minPositionHeaders } from '@keystream/kernel';

/** What the authorizing dispatcher works with. */
export interface AuthorizingDispatcherOptions {
  readonly inner: (call: AuthenticatedCall) => Promise<ApiResult>;
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  readonly index: AuthzIndex;
  readonly feed: AuthzFeed;
  readonly commands: CommandService;
  readonly repository: ResourceRepository;
  readonly eventStore: EventStore;
}

type Request = Record<string, unknown>;

const RSA_ALGORITHMS = new Set(['RSA_1024', 'RSA_2048', 'RSA_4096']);
/** Above this many visible projects or organizations a narrowed filter would be unwieldy: list per organization instead. */
const MAX_NARROWED_NAMES = 500;
const DEFAULT_CHECK_MY_MASK = ['name', 'role', 'scopeParams', 'executableConditions', 'ownedObjects'];



export class AuthorizingDispatcher {
  private readonly watchPrincipals = new WeakMap<object, { readonly principal: Principal; readonly remoteAddress: string }>();

  constructor(private readonly options: AuthorizingDispatcherOptions) {}

  /** The dispatcher function the HTTP edge calls. */
  readonly dispatch = async (call: ApiCall): Promise<ApiResult> => {
    const principal = await this.options.authenticator.authenticate(call.headers);
    await this.options.feed.catchUp();
    const method = call.method;
    const request = (call.request ?? {}) as Request;
    if (method.permission === undefined) return this.unpermissioned(method, principal, request);

    const authenticated: AuthenticatedCall = { ...call, actor: actorOf(principal) };
    const narrowed = await this.narrowTopLevelCollection(principal, method, request, call);
    if (narrowed !== undefined) return narrowed.kind === 'empty' ? { response: { [narrowed.plural]: [] } } : this.options.inner({ ...authenticated, request: narrowed.request });

    const targets = authzTargetsOf(method, request);
    for (const target of targets) await this.authorize(principal, method, target, request, call.remoteAddress);
    const destination = await this.movedTo(method, request);
    if (destination !== undefined) await this.authorize(principal, method, { scope: destination, target: destination }, request, call.remoteAddress);

    switch (method.name) {
      case 'CreateServiceAccountKey':
        return this.createServiceAccountKey(principal, request, call);
      case 'RefreshUserFromIdToken':
        return this.refreshUser(request);
      case 'CheckMyRoleBindings':
        return this.checkMyRoleBindings(principal, request);
      case 'CreateRoleBinding':
        this.assertRoleAssignable(request);
        return this.options.inner(authenticated);
      case 'CreateProject':
      case 'CreateOrganization':
        return this.createScope(principal, method, authenticated);
      default:
        return this.options.inner(authenticated);
    }
  };

  /**
   * The principal of a request's headers, with the authorization state brought level with the
   * event log: the watch gateway's principal resolver.
   */
  async principalOf(headers: Readonly<Record<string, string>>): Promise<Principal> {
    const principal = await this.options.authenticator.authenticate(headers);
    await this.options.feed.catchUp();
    return principal;
  }

  /**
   * Whether a principal may see one document of a collection it watches or lists: the permission of
   * the collection method on the document's own name. The watch gateway filters with this and
   * removes documents the principal loses access to.
   */
  async canSee(principal: Principal, method: MethodDescriptor, document: Readonly<Record<string, unknown>>, remoteAddress = ''): Promise<boolean> {
    const name = document['name'];
    if (method.permission === undefined || typeof name !== 'string') return false;
    await this.options.feed.catchUp();
    const decision = await this.options.authorizer.check({ principal, permission: method.permission, scope: scopeOfName(name), target: name, remoteAddress, resource: () => Promise.resolve(document as JsonObject) });
    return decision.allowed;
  }

  /**
   * The watch gateway's principal resolver: a `{subject}` for the watch engine, remembered with the
   * principal and client address it stands for so {@link canSeeWatched} can decide with them.
   */
  async watchPrincipalOf(headers: Readonly<Record<string, string>>, remoteAddress: string): Promise<{ readonly subject: string }> {
    const principal = await this.principalOf(headers);
    const watchPrincipal = Object.freeze({ subject: actorOf(principal) });
    this.watchPrincipals.set(watchPrincipal, { principal, remoteAddress });
    return watchPrincipal;
  }

  /**
   * The watch gateway's authorization at open: the watch method's permission on the request's
   * targets (the parent of a collection watch, the name of a single watch), decided exactly as
   * {@link dispatch} decides a call, with the same refusals (401; 404 for a single resource, so
   * existence does not leak; else 403). Watches of projects or organizations without a parent are
   * narrowed like their Lists: any signed-in principal may open one, and sees only the documents
   * `canSeeWatched` lets through.
   */
  async authorizeWatch(watchPrincipal: { readonly subject: string }, method: MethodDescriptor, request: Readonly<Record<string, unknown>>): Promise<void> {
    const known = this.watchPrincipals.get(watchPrincipal);
    // Deny by default: a principal this dispatcher did not resolve has no known rights.
    if (known === undefined) throw new KeystreamError('PERMISSION_DENIED', `${watchPrincipal.subject} was not authenticated by this server; open the watch with "Authorization: Bearer <token>"`);
    // Stream methods without a permission are not resource watches; the engine answers UNIMPLEMENTED.
    if (method.permission === undefined) return;
    await this.options.feed.catchUp();
    const { principal, remoteAddress } = known;
    const topLevel = (method.resource === 'Project' || method.resource === 'Organization') && method.standard === 'watchMany';
    // Like a narrowed List: the per-document filter decides what it sees.
    if (topLevel && principal.kind !== 'anonymous') return;
    for (const target of authzTargetsOf(method, request)) await this.authorize(principal, method, target, { ...request }, remoteAddress);
  }

  /**
   * The watch engine's synchronous visibility predicate: may the principal List this document (the
   * list permission of its kind on its own name, the document being the resource)? Decides on the
   * index as it is; {@link refresh} brings it level with the event log (call it before a batch).
   * Unknown watch principals see nothing.
   */
  readonly canSeeWatched = (watchPrincipal: { readonly subject: string }, document: Readonly<Record<string, unknown>>, kind: string): boolean => {
    const known = this.watchPrincipals.get(watchPrincipal);
    const name = document['name'];
    const permission = resourceByKind(kind).standardMethods.list?.permission;
    if (known === undefined || typeof name !== 'string' || permission === undefined) return false;
    return this.options.authorizer.checkNow(
      { principal: known.principal, permission, scope: scopeOfName(name), target: name, remoteAddress: known.remoteAddress },
      document as JsonObject,
    ).allowed;
  };

  /** Applies every authorization-relevant event appended so far. */
  refresh(): Promise<void> {
    return this.options.feed.catchUp();
  }

  /** The authorization state's generation: it moves whenever a decision may have changed. */
  get authorizationGeneration(): number {
    return this.options.index.generation;
  }

  /**
   * Lists and searches of projects and organizations have no parent to authorize on. A principal
   * allowed system-wide sees everything; any other sees the projects or organizations it holds the
   * permission on: the request's filter is narrowed to those names (or the answer is empty).
   */
  private async narrowTopLevelCollection(
    principal: Principal,
    method: MethodDescriptor,
    request: Request,
    call: ApiCall,
  ): Promise<{ kind: 'empty'; plural: string } | { kind: 'narrowed'; request: Request } | undefined> {
    const kind = method.resource;
    if (kind !== 'Project' && kind !== 'Organization') return undefined;
    if (method.standard !== 'list' && method.name !== `Search${kind === 'Project' ? 'Projects' : 'Organizations'}`) return undefined;
    const permission = method.permission as string;
    const system = await this.options.authorizer.check({ principal, permission, scope: SYSTEM_SCOPE, request, remoteAddress: call.remoteAddress });
    if (system.allowed) return undefined;
    if (principal.kind === 'anonymous') {
      throw new KeystreamError('UNAUTHENTICATED', `${method.name} needs an authenticated caller: send "Authorization: Bearer <token>"`, [], { headers: { 'www-authenticate': 'Bearer realm="keystream"' } });
    }
    const visible: string[] = [];
    for (const scope of this.options.index.scopesOfKind(kind === 'Project' ? 'projects/' : 'organizations/')) {
      const decision = await this.options.authorizer.check({ principal, permission, scope, target: scope, request, remoteAddress: call.remoteAddress });
      if (decision.allowed) visible.push(scope);
    }
    const plural = resourceByKind(kind).plural;
    if (visible.length === 0) return { kind: 'empty', plural };
    if (visible.length > MAX_NARROWED_NAMES) {
      throw new KeystreamError('PERMISSION_DENIED', `${actorOf(principal)} may see ${visible.length} ${plural} but lacks ${permission} system-wide; list them through their organizations`);
    }
    const names = `name IN [${visible.sort().map((name) => JSON.stringify(name)).join(', ')}]`;
    const filter = typeof request['filter'] === 'string' && request['filter'].trim() !== '' ? `(${request['filter']}) AND ${names}` : names;
    return { kind: 'narrowed', request: { ...request, filter } };
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
    const stored = await this.options.repository.liveResource(method.resource, body['name']);
    const current = typeof stored?.['parentOrganization'] === 'string' ? stored['parentOrganization'] : '';
    const mask = Array.isArray(request['updateMask']) ? (request['updateMask'] as unknown[]) : undefined;
    const touchesParent = mask === undefined || mask.length === 0 || mask.some((path) => path === 'parentOrganization' || path === 'parent_organization');
    if (!touchesParent || wanted === current) return undefined;
    // Moving to the top level needs the permission system-wide.
    return wanted === '' ? SYSTEM_SCOPE : wanted;
  }

  /** Decides one target; throws the refusal the caller should see. */
  async authorize(principal: Principal, method: MethodDescriptor, target: AuthzTarget, request: Request, remoteAddress: string): Promise<void> {
    const permission = method.permission as string;
    const decision = await this.options.authorizer.check({
      principal,
      permission,
      scope: target.scope,
      target: target.target,
      request,
      remoteAddress,
      resource: () => this.resourceOf(method, target, request),
    });
    if (decision.allowed) return;
    if (principal.kind === 'anonymous') {
      throw new KeystreamError('UNAUTHENTICATED', `${method.name} needs an authenticated caller: send "Authorization: Bearer <token>"`, [], {
        headers: { 'www-authenticate': 'Bearer realm="keystream"' },
      });
    }
    if ((method.standard === 'get' || method.standard === 'watch') && method.resource !== undefined) {
      // The same words as a missing resource: a caller without access learns nothing of existence.
      throw new KeystreamError('NOT_FOUND', `${method.resource} ${target.target} does not exist`);
    }
    const where = target.scope === SYSTEM_SCOPE ? 'the system scope' : isWildcardScope(target.scope) ? `${target.scope} (a wildcard scope needs a system-wide grant)` : target.scope;
    throw new KeystreamError('PERMISSION_DENIED', `${actorOf(principal)} lacks ${permission} on ${where}`);
  }

  /** The resource a grant's resource field conditions look at: the request body, else the stored one. */
  private async resourceOf(method: MethodDescriptor, target: AuthzTarget, request: Request): Promise<JsonObject | undefined> {
    if (method.resource === undefined) return undefined;
    const descriptor = resourceByKind(method.resource);
    const body = request[descriptor.singular];
    if (isObject<JsonObject>(body)) return body;
    return target.target === target.scope && method.resource !== 'Project' && method.resource !== 'Organization'
      ? undefined
      : this.options.repository.liveResource(method.resource, target.target);
  }

  /** GetPrincipal (and any other method the contract gives no permission): about the caller or a token. */
  private async unpermissioned(method: MethodDescriptor, principal: Principal, request: Request): Promise<ApiResult> {
    if (method.name !== 'GetPrincipal') throw new KeystreamError('UNIMPLEMENTED', `${method.name} is not served by this endpoint`);
    const token = typeof request['authToken'] === 'string' && request['authToken'] !== '' ? request['authToken'] : undefined;
    const subject = token === undefined ? principal : await this.options.authenticator.principalOfToken(token);
    switch (subject.kind) {
      case 'anonymous':
        return { response: { anonymous: true, principalKeyType: 'anonymous' } };
      case 'user':
        return {
          response: {
            principalKeyType: 'user',
            user: { name: userNameOf(subject.email), email: subject.email, emailVerified: subject.emailVerified === true, ...(subject.fullName === undefined ? {} : { fullName: subject.fullName }) },
          },
        };
      case 'serviceAccount': {
        const account = (await this.options.repository.liveResource('ServiceAccount', subject.name)) ?? { name: subject.name, email: subject.email };
        return { response: { principalKeyType: 'serviceAccount', serviceAccount: account } };
      }
      default: {
        const unreachable: never = subject;
        throw new Error(`unknown principal ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /** The caller's bindings that apply in a scope (its ancestry included), with their roles' grants. */
  private checkMyRoleBindings(principal: Principal, request: Request): ApiResult {
    if (typeof request['filter'] === 'string' && request['filter'].trim() !== '') {
      throw KeystreamError.invalidArgument([{ field: 'filter', description: 'CheckMyRoleBindings takes no filter in this version of keystream' }]);
    }
    const parent = typeof request['parent'] === 'string' ? request['parent'] : SYSTEM_SCOPE;
    const mask = Array.isArray(request['customFieldMask']) && request['customFieldMask'].length > 0 ? (request['customFieldMask'] as string[]).map(snakeToCamel) : DEFAULT_CHECK_MY_MASK;
    const resolvableGrants = this.options.authorizer.bindingsFor(principal, scopeOfName(parent)).map((binding) => {
      const roleBinding: JsonObject = {};
      for (const field of mask) {
        const value = binding.resource[field.split('.')[0] as string];
        if (value !== undefined) roleBinding[field.split('.')[0] as string] = value;
      }
      const role = this.options.index.role(binding.role);
      return { roleBinding, grants: Array.isArray(role?.['grants']) ? role['grants'] : [] };
    });
    return { response: { resolvableGrants } };
  }

  /** A binding may use a role of its own scope, of a scope above it, or a service's role: never a sibling's. */
  private assertRoleAssignable(request: Request): void {
    const binding = isObject<JsonObject>(request['roleBinding']) ? request['roleBinding'] : {};
    const name = typeof binding['name'] === 'string' ? binding['name'] : undefined;
    const parent = typeof request['parent'] === 'string' ? request['parent'] : name === undefined ? SYSTEM_SCOPE : name.split('/').slice(0, -2).join('/');
    const role = binding['role'];
    if (typeof role !== 'string' || role.startsWith('services/')) return;
    const roleScope = scopeOfName(role);
    if (!scopeChainOf(scopeOfName(parent), this.options.index).includes(roleScope)) {
      throw new KeystreamError('PERMISSION_DENIED', `role ${role} belongs to ${roleScope || 'the system scope'}, which is not ${scopeOfName(parent) || 'the system scope'} or above it`);
    }
  }

  /** Creates a project or organization and makes its creator the administrator of it. */
  private async createScope(principal: Principal, method: MethodDescriptor, call: AuthenticatedCall): Promise<ApiResult> {
    const result = await this.options.inner(call);
    if (principal.kind === 'anonymous') return result;
    const descriptor = resourceByKind(method.resource as string);
    const request = call.request as Request;
    const created = isObject<JsonObject>(result.response) ? result.response : {};
    const name = typeof created['name'] === 'string' ? created['name'] : (request[descriptor.singular] as Request | undefined)?.['name'];
    if (typeof name !== 'string') return result;
    let owner: { position: string };
    try {
      // A retry (same x-request-id) finds the binding its first attempt made, or makes it if the
      // first attempt was cut off between the two writes.
      owner = await this.options.commands.create(
        { kind: 'RoleBinding', parent: name, resource: { name: `${name}/roleBindings/creator-owner`, role: BUILTIN_ROLES.admin, member: actorOf(principal) } },
        { actor: 'system', requestId: call.headers['x-request-id'] === undefined ? undefined : `${call.headers['x-request-id']}:owner` },
      );
    } catch (error) {
      if (isKeystreamError(error) && error.code === 'ALREADY_EXISTS') return result;
      throw error;
    }
    return { ...result, headers: { ...result.headers, ...minPositionHeaders(owner.position) } };
  }

  /**
   * CreateServiceAccountKey: generates an RSA pair (or takes the supplied public key), or an API
   * key. The private key and the API key are returned in this response only: the stored key (and
   * its events) carry the public key, and API keys only as the hash stream.
   */
  private async createServiceAccountKey(principal: Principal, request: Request, call: ApiCall): Promise<ApiResult> {
    const input: JsonObject = isObject<JsonObject>(request['serviceAccountKey']) ? { ...request['serviceAccountKey'] } : {};
    delete input['privateKeyData'];
    delete input['apiKey'];
    const requested = typeof input['algorithm'] === 'string' ? input['algorithm'] : 'KEY_ALGORITHM_UNSPECIFIED';
    let privateKeyPem: string | undefined;
    let apiKey: { secret: string; hash: string } | undefined;
    const supplied = typeof input['publicKeyData'] === 'string' && input['publicKeyData'] !== '' ? input['publicKeyData'] : undefined;
    if (supplied !== undefined) {
      if (requested === 'API_KEY') throw KeystreamError.invalidArgument([{ field: 'service_account_key.public_key_data', description: 'an API_KEY key has no public key' }]);
      let read: ReturnType<typeof readPublicKey>;
      try {
        read = readPublicKey(supplied);
      } catch (error) {
        throw KeystreamError.invalidArgument([{ field: 'service_account_key.public_key_data', description: error instanceof Error ? error.message : String(error) }]);
      }
      if (requested !== 'KEY_ALGORITHM_UNSPECIFIED' && requested !== read.algorithm) {
        throw KeystreamError.invalidArgument([{ field: 'service_account_key.algorithm', description: `${requested} does not match the supplied ${read.algorithm} key` }]);
      }
      input['publicKeyData'] = read.publicKeyPem;
      input['algorithm'] = read.algorithm;
    } else if (requested === 'API_KEY') {
      apiKey = generateApiKey();
      delete input['publicKeyData'];
    } else {
      const algorithm = RSA_ALGORITHMS.has(requested) ? (requested as 'RSA_1024' | 'RSA_2048' | 'RSA_4096') : 'RSA_2048';
      const pair = await generateRsaKeyPair(algorithm);
      privateKeyPem = pair.privateKeyPem;
      input['publicKeyData'] = pair.publicKeyPem;
      input['algorithm'] = algorithm;
    }
    const result = await this.options.commands.create(
      { kind: 'ServiceAccountKey', parent: typeof request['parent'] === 'string' ? request['parent'] : undefined, resource: input },
      { actor: actorOf(principal), requestId: call.headers['x-request-id'] },
    );
    const key = result.resource ?? {};
    const keyName = key['name'] as string;
    const headers = minPositionHeaders(result.position);
    // A retried request answers with the key it created; the secret was shown once, with the first answer.
    if (result.replayed) return { response: applyResponseMask(resourceByKind('ServiceAccountKey').message, key, request['responseMask'] as ResponseMask | undefined, []), headers };
    const secrets: JsonObject = {};
    if (apiKey !== undefined) {
      await this.options.eventStore.append(
        apiKeyHashStreamOf(apiKey.hash),
        [
          {
            id: randomUUID(),
            type: API_KEY_HASH_REGISTERED,
            data: apiKeyHashRegisteredData(keyName),
            metadata: { actor: actorOf(principal), requestId: randomUUID(), correlationId: randomUUID(), causationId: randomUUID(), occurredAt: new Date().toISOString(), schema: 1 },
          },
        ],
        'no_stream',
      );
      secrets['apiKey'] = apiKey.secret;
    }
    if (privateKeyPem !== undefined) {
      const accountName = keyName.slice(0, keyName.lastIndexOf('/serviceAccountKeys/'));
      const credentials: ServiceAccountCredentials = {
        type: 'service_account',
        client_email: serviceAccountEmailOf(accountName),
        private_key_id: keyName,
        private_key: privateKeyPem,
      };
      secrets['privateKeyData'] = JSON.stringify(credentials);
    }
    const response = applyResponseMask(resourceByKind('ServiceAccountKey').message, { ...key, ...secrets }, request['responseMask'] as ResponseMask | undefined, []);
    return { response, headers };
  }

  /** Creates or refreshes the User a verified ID token names. */
  private async refreshUser(request: Request): Promise<ApiResult> {
    const token = request['idToken'];
    if (typeof token !== 'string' || token === '') throw KeystreamError.invalidArgument([{ field: 'id_token', description: 'required: an ID token of an accepted issuer' }]);
    const user = await this.options.authenticator.userOfIdToken(token);
    const resource: JsonObject = { name: userNameOf(user.email), email: user.email, emailVerified: user.emailVerified === true };
    if (user.fullName !== undefined) resource['fullName'] = user.fullName;
    const result = await this.options.commands.execute(
      { type: 'update', kind: 'User', resource, updateMask: Object.keys(resource).filter((field) => field !== 'name'), allowMissing: true },
      { actor: `user:${user.email}` },
    );
    return { response: {}, headers: minPositionHeaders(result.position) };
  }
}
