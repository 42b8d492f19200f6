/**
 * Routes decoded calls to the command and query cores by what the method is (a standard verb of a
 * resource, or a Search), and shapes the answer as the method's response message. Methods that are
 * not served yet answer UNIMPLEMENTED naming themselves.
 */
import { KeystreamError, resourceByKind, type MethodDescriptor, type ResourceDescriptor } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import { MIN_POSITION_HEADER, isPositionText, minPositionHeaders } from '@keystream/kernel';
import { applyResponseMask, type Cas, type ResponseMask } from '@keystream/resource';
import type { ApiCall, ApiResult } from '../httpServer.js';
import type { CommandOrigin, CommandResult, CommandService } from './commandService.js';
import type { CollectionPage, QueryService } from './queryService.js';

/** Header carrying the caller's request id, which makes a retried write append nothing new. */
export const REQUEST_ID_HEADER = 'x-request-id';

const REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

type Request = Record<string, unknown>;

/** A call after authentication: `actor` is the authenticated principal (`user:…`, `serviceAccount:…`). */
export interface AuthenticatedCall extends ApiCall {
  readonly actor?: string | undefined;
}

function originOf(call: AuthenticatedCall): CommandOrigin {
  const requestId = call.headers[REQUEST_ID_HEADER];
  if (requestId !== undefined && !REQUEST_ID.test(requestId)) {
    throw KeystreamError.invalidArgument([{ field: REQUEST_ID_HEADER, description: 'expected 1–128 characters of A-Z a-z 0-9 . _ : @ -' }]);
  }
  // The authorizing dispatcher in front of this one sets the actor; a call without one is anonymous.
  return { actor: call.actor ?? 'anonymous', requestId };
}

function minPositionOf(call: ApiCall): string | undefined {
  const position = call.headers[MIN_POSITION_HEADER];
  if (position === undefined || position === '') return undefined;
  if (!isPositionText(position)) {
    throw KeystreamError.invalidArgument([{ field: MIN_POSITION_HEADER, description: 'expected a position as returned by a write' }]);
  }
  return position;
}

function writeAnswer(descriptor: ResourceDescriptor, result: CommandResult, responseMask: unknown): ApiResult {
  const headers = minPositionHeaders(result.position);
  if (result.resource === undefined) return { response: {}, headers };
  const response = applyResponseMask(descriptor.message, result.resource, responseMask as ResponseMask | undefined, result.updatedPaths);
  return { response, headers };
}

function pageAnswer(descriptor: ResourceDescriptor, page: CollectionPage): ApiResult {
  const { items, ...paging } = page;
  return { response: { [descriptor.plural]: items, ...paging } };
}

function casOf(request: Request): Cas | undefined {
  const cas = request['cas'] as { conditionalState?: JsonObject; fieldMask?: string[] } | undefined;
  return cas === undefined ? undefined : { conditionalState: cas.conditionalState, fieldMask: cas.fieldMask };
}

export class ResourceDispatcher {
  constructor(
    private readonly commands: CommandService,
    private readonly queries: QueryService,
  ) {}

  /** The dispatcher function the HTTP edge calls. */
  readonly dispatch: (call: AuthenticatedCall) => Promise<ApiResult> = async (call) => {
    const method = call.method;
    const request = call.request as Request;
    if (method.resource === undefined) throw this.unimplemented(method);
    const descriptor = resourceByKind(method.resource);
    if (method.standard !== undefined) return this.standard(method, descriptor, request, call);
    if (method.name === `Search${descriptor.pluralKind}`) {
      await this.queries.awaitPosition(minPositionOf(call));
      return pageAnswer(descriptor, await this.queries.list(descriptor.kind, request));
    }
    throw this.unimplemented(method);
  };

  private async standard(method: MethodDescriptor, descriptor: ResourceDescriptor, request: Request, call: AuthenticatedCall): Promise<ApiResult> {
    const kind = descriptor.kind;
    switch (method.standard) {
      case 'get':
        return { response: await this.queries.get(kind, request['name'] as string, request) };
      case 'batchGet': {
        await this.queries.awaitPosition(minPositionOf(call));
        const { found, missing } = await this.queries.batchGet(kind, (request['names'] as string[] | undefined) ?? [], request);
        return { response: { [descriptor.plural]: found, missing } };
      }
      case 'list':
        await this.queries.awaitPosition(minPositionOf(call));
        return pageAnswer(descriptor, await this.queries.list(kind, request));
      case 'create': {
        const resource = (request[descriptor.singular] as JsonObject | undefined) ?? {};
        const result = await this.commands.create({ kind, parent: request['parent'] as string | undefined, resource }, originOf(call));
        return writeAnswer(descriptor, result, request['responseMask']);
      }
      case 'update': {
        const resource = request[descriptor.singular] as JsonObject | undefined;
        if (resource === undefined) throw KeystreamError.invalidArgument([{ field: descriptor.singularProto, description: `required: the ${kind} to update` }]);
        const result = await this.commands.execute(
          {
            type: 'update',
            kind,
            resource,
            updateMask: request['updateMask'] as string[] | undefined,
            cas: casOf(request),
            allowMissing: request['allowMissing'] as boolean | undefined,
          },
          originOf(call),
        );
        return writeAnswer(descriptor, result, request['responseMask']);
      }
      case 'delete': {
        const name = request['name'];
        if (typeof name !== 'string' || name === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required' }]);
        return writeAnswer(descriptor, await this.commands.execute({ type: 'delete', kind, name }, originOf(call)), undefined);
      }
      case 'watch':
      case 'watchMany':
      case undefined:
        throw this.unimplemented(method);
      default: {
        const unreachable: never = method.standard;
        throw new Error(`unknown standard method ${String(unreachable)}`);
      }
    }
  }

  private unimplemented(method: MethodDescriptor): KeystreamError {
    return new KeystreamError('UNIMPLEMENTED', `${method.name} is part of the contract but not served by this version of keystream yet`);
  }
}
