/**
 * The standard methods of every resource (Get, BatchGet, List, Search, Create, Update, Delete),
 * one generic handler per verb driven by the resource's descriptor: no per-resource copies.
 */
import { KeystreamError, methodByName, resourceByKind, type MethodDescriptor, type MethodName, type ResourceDescriptor } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import { isObject } from '@keystream/kernel';
import type { Cas } from '@keystream/resource';
import type { CommandResult } from '../core/commandService.js';
import type { CollectionPage } from '../core/queryService.js';
import type { AnyMethodHandler, HandlerResult, MethodHandler } from './methodHandler.js';

type Request = Readonly<Record<string, unknown>>;

function text(request: Request, field: string): string | undefined {
  const value = request[field];
  return typeof value === 'string' ? value : undefined;
}

function objectField(request: Request, field: string): JsonObject | undefined {
  const value = request[field];
  return isObject<JsonObject>(value) ? value : undefined;
}

function strings(request: Request, field: string): string[] | undefined {
  const value = request[field];
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : undefined;
}

function casOf(request: Request): Cas | undefined {
  const cas = objectField(request, 'cas');
  return cas === undefined ? undefined : { conditionalState: objectField(cas, 'conditionalState'), fieldMask: strings(cas, 'fieldMask') };
}

function written(result: CommandResult): HandlerResult<unknown> {
  return { response: result.resource ?? {}, position: result.position, updatedPaths: result.updatedPaths };
}

function page(descriptor: ResourceDescriptor, collection: CollectionPage): HandlerResult<unknown> {
  const { items, ...paging } = collection;
  return { response: { [descriptor.plural]: items, ...paging } };
}

/** The generic handler of a standard method (or of a resource's Search), or undefined for any other method. */
export function standardHandlerOf(method: MethodDescriptor): AnyMethodHandler | undefined {
  if (method.resource === undefined) return undefined;
  const descriptor = resourceByKind(method.resource);
  const kind = descriptor.kind;
  if (method.name === `Search${descriptor.pluralKind}`) {
    return async (request, { app, minPosition }) => {
      await app.queries.awaitPosition(minPosition);
      return page(descriptor, await app.queries.list(kind, request));
    };
  }
  switch (method.standard) {
    case 'get':
      return async (request, { app }) => ({ response: await app.queries.get(kind, text(request, 'name') ?? '', request) });
    case 'batchGet':
      return async (request, { app, minPosition }) => {
        await app.queries.awaitPosition(minPosition);
        const { found, missing } = await app.queries.batchGet(kind, strings(request, 'names') ?? [], request);
        return { response: { [descriptor.plural]: found, missing } };
      };
    case 'list':
      return async (request, { app, minPosition }) => {
        await app.queries.awaitPosition(minPosition);
        return page(descriptor, await app.queries.list(kind, request));
      };
    case 'create':
      return async (request, { app, envelope }) =>
        written(await app.commands.create({ kind, parent: text(request, 'parent'), resource: objectField(request, descriptor.singular) ?? {} }, envelope));
    case 'update':
      return async (request, { app, envelope }) => {
        const resource = objectField(request, descriptor.singular);
        if (resource === undefined) throw KeystreamError.invalidArgument([{ field: descriptor.singularProto, description: `required: the ${kind} to update` }]);
        const allowMissing = request['allowMissing'];
        const command = { type: 'update', kind, resource, updateMask: strings(request, 'updateMask'), cas: casOf(request), allowMissing: typeof allowMissing === 'boolean' ? allowMissing : undefined } as const;
        return written(await app.commands.execute(command, envelope));
      };
    case 'delete':
      return async (request, { app, envelope }) => {
        const name = text(request, 'name');
        if (name === undefined || name === '') throw KeystreamError.invalidArgument([{ field: 'name', description: 'required' }]);
        const result = await app.commands.execute({ type: 'delete', kind, name }, envelope);
        return { response: {}, position: result.position };
      };
    // Watches are served by the watch transports over the same pipeline steps, not as unary calls.
    case 'watch':
    case 'watchMany':
    case undefined:
      return undefined;
    default: {
      const unreachable: never = method.standard;
      throw new Error(`unknown standard method ${String(unreachable)}`);
    }
  }
}

/** The generic handler of standard method `name`, typed as that method's handler (for custom handlers that extend one). */
export function standardHandler<M extends MethodName>(name: M): MethodHandler<M> {
  const handler = standardHandlerOf(methodByName(name));
  if (handler === undefined) throw new Error(`${name} is not a standard method`);
  // The generic handler answers the method's response message; the registry checks requests on the way in.
  return handler as unknown as MethodHandler<M>;
}
