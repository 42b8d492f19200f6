/**
 * The one request pipeline in front of every handler, for every transport:
 *
 *   authenticate → bring the authorization state up to date → authorize (incl. list narrowing)
 *   → handler → response (mask, position header)
 *
 * REST calls run all of it through {@link RequestPipeline.dispatch}; watches (WebSocket and NDJSON
 * alike) run the first three steps when they open ({@link RequestPipeline.watchPrincipalOf},
 * {@link RequestPipeline.authorizeWatch}) and the per-document visibility check on every change.
 * Transports only decode and encode; nothing here knows HTTP.
 */
import { isResourceKind, KeystreamError, resourceByKind, type MethodDescriptor, type MethodName } from '@keystream/api';
import { ATTESTATION_TOKEN_HEADER, attestedDomainsOf, domainsValidAt } from '@keystream/attestation';
import { actorOf, directMembersOf, EVERYONE, type Authenticator, type AuthzFeed, type Principal } from '@keystream/authz';
import type { ApiCall, ApiResult } from '../../edgeContract.js';
import { requestEnvelope, type CommandEnvelope } from '../commandEnvelope.js';
import type { ApplicationServices, HandlerContext } from '../handlerContext.js';
import { buildHandlerRegistry } from '../handlerRegistry.js';
import type { AnyMethodHandler } from '../methodHandler.js';
import { CallAuthorization } from './callAuthorization.js';
import { callerRequestIdOf, minPositionOf } from './requestHeaders.js';
import { shapeResponse } from './shapeResponse.js';

/** What the pipeline is built from. */
export interface RequestPipelineOptions {
  readonly app: ApplicationServices;
  readonly feed: AuthzFeed;
  /** Handlers by method name; the full registry unless a test replaces it. */
  readonly handlers?: ReadonlyMap<MethodName, AnyMethodHandler>;
}

/** A watch's principal as the watch engine knows it; the pipeline remembers whom it stands for. */
export interface WatchPrincipal {
  readonly subject: string;
}

/** Runs a decoded call's handler for `principal` and shapes its answer (the steps after authorization). */
export async function runHandler(
  handlers: ReadonlyMap<MethodName, AnyMethodHandler>,
  app: ApplicationServices,
  call: ApiCall,
  principal: Principal,
  request: Readonly<Record<string, unknown>> = (call.request ?? {}) as Readonly<Record<string, unknown>>,
): Promise<ApiResult> {
  const method = call.method;
  const handler = handlers.get(method.name);
  if (handler === undefined) throw new KeystreamError('UNIMPLEMENTED', `${method.name} is not served by this endpoint`);
  // Writes carry the caller's request id (validated); reads never write, and ignore it as before.
  const now = app.clock();
  const envelopeOf = (): CommandEnvelope => requestEnvelope(actorOf(principal), method.kind === 'write' ? callerRequestIdOf(call.headers) : undefined, now, { method: method.name, message: call.request });
  const minPosition = method.kind === 'read' ? minPositionOf(call.headers) : undefined;
  // A read's envelope is made only if its handler asks (most never do: a request id and an RFC 3339
  // stamp per Get cost more than the read); a write's at once, so a bad request id is refused first.
  let envelope = method.kind === 'write' ? envelopeOf() : undefined;
  const context: HandlerContext = {
    method,
    principal,
    get envelope() {
      envelope ??= envelopeOf();
      return envelope;
    },
    minPosition,
    headers: call.headers,
    app,
  };
  return shapeResponse(method, request, await handler(request, context));
}

export class RequestPipeline {
  private readonly handlers: ReadonlyMap<MethodName, AnyMethodHandler>;
  private readonly authorization: CallAuthorization;
  private readonly authenticator: Authenticator;
  private readonly watchPrincipals = new WeakMap<object, { readonly principal: Principal; readonly remoteAddress: string; readonly attested: ReadonlyMap<string, Date> }>();

  constructor(private readonly options: RequestPipelineOptions) {
    this.handlers = options.handlers ?? buildHandlerRegistry();
    this.authenticator = options.app.authenticator;
    this.authorization = new CallAuthorization(options.app.authorizer, options.app.index, options.app.repository);
  }

  /** Serves a unary call: the dispatcher a transport calls. */
  readonly dispatch = async (call: ApiCall): Promise<ApiResult> => {
    const principal = await this.principalOf(call.headers);
    const request = (call.request ?? {}) as Readonly<Record<string, unknown>>;
    const attested = domainsValidAt(await this.attestedDomains(call.headers, principal), this.options.app.clock());
    const authorized = await this.authorization.authorizeCall(principal, call.method, request, call.remoteAddress, attested);
    if (authorized.kind === 'answer') return { response: authorized.response };
    return runHandler(this.handlers, this.options.app, call, principal, authorized.request);
  };

  /** Authenticates a request's headers and brings the authorization state level with the event log. */
  async principalOf(headers: Readonly<Record<string, string>>): Promise<Principal> {
    const principal = await this.authenticator.authenticate(headers);
    // A revocation appended before this request applies to it.
    await this.options.feed.catchUp();
    return principal;
  }

  /**
   * The attestation domains the call proves (AttestationConditions): the caller's own valid tokens
   * in `x-keystream-attestation`, with when each proof expires. See docs/attestation.md.
   */
  private attestedDomains(headers: Readonly<Record<string, string>>, principal: Principal): Promise<ReadonlyMap<string, Date>> {
    const subject = principal.kind === 'anonymous' ? undefined : principal.email;
    return attestedDomainsOf(this.options.app.attestation.keys, headers[ATTESTATION_TOKEN_HEADER], subject, this.options.app.clock());
  }

  /**
   * The watch transports' principal resolver: a `{subject}` for the watch engine, remembered with
   * the principal and client address it stands for so the later checks decide with them. Watches
   * need an authenticated caller.
   */
  async watchPrincipalOf(headers: Readonly<Record<string, string>>, remoteAddress: string): Promise<WatchPrincipal> {
    const principal = await this.principalOf(headers);
    if (principal.kind === 'anonymous') {
      throw new KeystreamError('UNAUTHENTICATED', 'watches need an authenticated caller: send "Authorization: Bearer <token>"');
    }
    const watchPrincipal = Object.freeze({ subject: actorOf(principal) });
    this.watchPrincipals.set(watchPrincipal, { principal, remoteAddress, attested: await this.attestedDomains(headers, principal) });
    return watchPrincipal;
  }

  /** Authorizes opening a watch, decided as a call is (see {@link CallAuthorization.authorizeWatch}). */
  async authorizeWatch(watchPrincipal: WatchPrincipal, method: MethodDescriptor, request: Readonly<Record<string, unknown>>): Promise<void> {
    const known = this.watchPrincipals.get(watchPrincipal);
    // Deny by default: a principal this pipeline did not resolve has no known rights.
    if (known === undefined) throw new KeystreamError('PERMISSION_DENIED', `${watchPrincipal.subject} was not authenticated by this server; open the watch with "Authorization: Bearer <token>"`);
    await this.options.feed.catchUp();
    await this.authorization.authorizeWatch(known.principal, method, request, known.remoteAddress, domainsValidAt(known.attested, this.options.app.clock()));
  }

  /**
   * The watch engine's synchronous visibility predicate: may the principal List this document?
   * Decides on the authorization state as it is; {@link refresh} brings it level with the event log.
   * Unknown watch principals see nothing.
   */
  readonly canSeeWatched = (watchPrincipal: WatchPrincipal, document: Readonly<Record<string, unknown>>, kind: string): boolean => {
    const known = this.watchPrincipals.get(watchPrincipal);
    if (known === undefined || !isResourceKind(kind)) return false;
    const permission = resourceByKind(kind).standardMethods.list?.permission;
    // A watch opened with an attestation token counts on it only until the token expires.
    return this.authorization.canSeeNow(known.principal, document, permission, known.remoteAddress, domainsValidAt(known.attested, this.options.app.clock()));
  };

  /** Whether a principal may see one document of a collection (asynchronous, level with the event log). */
  async canSee(principal: Principal, method: MethodDescriptor, document: Readonly<Record<string, unknown>>, remoteAddress = ''): Promise<boolean> {
    await this.options.feed.catchUp();
    return this.authorization.canSee(principal, method, document, remoteAddress);
  }

  /** The application services behind the pipeline (what its handlers work with). */
  get app(): ApplicationServices {
    return this.options.app;
  }

  /** Applies every authorization-relevant event appended so far. */
  refresh(): Promise<void> {
    return this.options.feed.catchUp();
  }

  /**
   * Whether the rights of a watch's principal may have moved since generation `since`: the changes
   * after it named one of the members the principal counts as (itself, `allUsers`,
   * `allAuthenticatedUsers`, its domain, its groups transitively), or could affect anyone.
   * Unknown principals count as affected (they see nothing either way).
   */
  readonly rightsMovedFor = (watchPrincipal: WatchPrincipal, since: number): boolean => {
    const known = this.watchPrincipals.get(watchPrincipal);
    if (known === undefined) return true;
    const { index } = this.options.app;
    const affected = index.affectedSince(since);
    if (affected === EVERYONE) return true;
    if (affected.size === 0) return false;
    return index.expandGroups(directMembersOf(known.principal)).some((member) => affected.has(member));
  };

  /** The authorization state's generation: it moves whenever a decision may have changed. */
  get authorizationGeneration(): number {
    return this.options.app.index.generation;
  }
}
