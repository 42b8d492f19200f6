/**
 * A Watch request, validated and compiled: which watch to run and everything it needs.
 * Invalid requests are INVALID_ARGUMENT naming the field, like every other request.
 */
import { KeystreamError, resourceByKind, type MethodDescriptor, type ResourceDescriptor } from '@keystream/api';
import {
  collectionQuery,
  decodePageToken,
  parseName,
  resolvePageSize,
  resolveView,
  type FieldMask,
  type MongoQuery,
  type OrderBy,
  type PageToken,
  type PageTokenKey,
} from '@keystream/resource';
import { decodeResumeToken } from './resumeToken.js';

/** Default `max_chunk_size` of stateless watches (the reference lets the server pick). */
export const DEFAULT_MAX_CHUNK_SIZE = 100;
/** Largest accepted `max_chunk_size`. */
export const MAX_CHUNK_SIZE = 1000;

interface PlanBase {
  readonly method: MethodDescriptor;
  readonly descriptor: ResourceDescriptor;
  /** What responses show of each document; undefined = whole resource. */
  readonly mask: FieldMask | undefined;
}

/** `Watch<Kind>`: one resource. */
export interface SingleResourcePlan extends PlanBase {
  readonly type: 'single';
  readonly name: string;
}

/** `Watch<Kinds>` with `type: STATELESS`. */
export interface StatelessPlan extends PlanBase {
  readonly type: 'stateless';
  readonly selection: MongoQuery;
  readonly maxChunkSize: number;
  /** Resume after this position (from resume_token). */
  readonly resumeAfter: string | undefined;
  /** Replay from this time (ms since the epoch; from starting_time). */
  readonly startingTime: number | undefined;
}

/** `Watch<Kinds>` with `type: STATEFUL` (the default). */
export interface StatefulPlan extends PlanBase {
  readonly type: 'stateful';
  readonly selection: MongoQuery;
  readonly orderBy: OrderBy;
  readonly pageSize: number;
  readonly pageToken: PageToken | undefined;
  readonly fingerprint: string;
  /** 0: the whole change set in one response. */
  readonly maxChunkSize: number;
}

export type WatchPlan = SingleResourcePlan | StatelessPlan | StatefulPlan;

type Request = Readonly<Record<string, unknown>>;

function text(request: Request, field: string): string | undefined {
  const value = request[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function chunkSize(request: Request, fallback: number): number {
  const value = request['maxChunkSize'];
  if (value === undefined || value === 0) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw KeystreamError.invalidArgument([{ field: 'max_chunk_size', description: `expected a non-negative integer, got ${JSON.stringify(value)}` }]);
  }
  return Math.min(value, MAX_CHUNK_SIZE);
}

function forbid(request: Request, fields: readonly [string, string][], type: string): void {
  for (const [field, proto] of fields) {
    const value = request[field];
    if (value !== undefined && value !== '' && value !== 0) {
      throw KeystreamError.invalidArgument([{ field: proto, description: `can be populated only for ${type === 'STATEFUL' ? 'stateless' : 'stateful'} watches (this one is ${type})` }]);
    }
  }
}

/**
 * Compiles a decoded (internal-form) Watch request of `method`. UNIMPLEMENTED for stream methods
 * that are not resource watches (WatchPrincipalUpdates).
 */
export function planWatch(method: MethodDescriptor, request: Request, pageTokenKey: PageTokenKey): WatchPlan {
  if (method.resource === undefined || (method.standard !== 'watch' && method.standard !== 'watchMany')) {
    throw new KeystreamError('UNIMPLEMENTED', `${method.name} is part of the contract but not served by the watch gateway yet`);
  }
  const descriptor = resourceByKind(method.resource);
  const mask = resolveView(descriptor, text(request, 'view'), request['fieldMask'] as readonly string[] | undefined);
  if (method.standard === 'watch') {
    const name = text(request, 'name');
    if (name === undefined) throw KeystreamError.invalidArgument([{ field: 'name', description: `required: the ${descriptor.kind} to watch` }]);
    parseName(descriptor, name);
    return { type: 'single', method, descriptor, mask, name };
  }
  // The same compilation as List's, so a stateful watch's page tokens and a List's are interchangeable.
  const type = text(request, 'type') ?? 'STATEFUL';
  // order_by is checked below for stateless watches (where it is refused), not parsed here.
  const orderByText = type === 'STATELESS' ? undefined : text(request, 'orderBy');
  const collection = collectionQuery(descriptor, { parent: text(request, 'parent'), filter: text(request, 'filter'), orderBy: orderByText });
  const selection = collection.query;
  if (type === 'STATELESS') {
    forbid(request, [['pageSize', 'page_size'], ['pageToken', 'page_token'], ['orderBy', 'order_by']], type);
    const resumeToken = text(request, 'resumeToken');
    const startingTimeText = text(request, 'startingTime');
    if (resumeToken !== undefined && startingTimeText !== undefined) {
      throw KeystreamError.invalidArgument([{ field: 'starting_time', description: 'give either resume_token or starting_time, not both' }]);
    }
    const startingTime = startingTimeText === undefined ? undefined : Date.parse(startingTimeText);
    if (startingTime !== undefined && Number.isNaN(startingTime)) {
      throw KeystreamError.invalidArgument([{ field: 'starting_time', description: `expected an RFC 3339 timestamp, got ${JSON.stringify(startingTimeText)}` }]);
    }
    return {
      type: 'stateless',
      method,
      descriptor,
      mask,
      selection,
      maxChunkSize: chunkSize(request, DEFAULT_MAX_CHUNK_SIZE),
      resumeAfter: resumeToken === undefined ? undefined : decodeResumeToken(resumeToken),
      startingTime,
    };
  }
  forbid(request, [['resumeToken', 'resume_token'], ['startingTime', 'starting_time']], type);
  const { orderBy, fingerprint } = collection;
  const tokenText = text(request, 'pageToken');
  return {
    type: 'stateful',
    method,
    descriptor,
    mask,
    selection,
    orderBy,
    pageSize: resolvePageSize(request['pageSize'] as number | undefined),
    pageToken: tokenText === undefined ? undefined : decodePageToken(tokenText, pageTokenKey, fingerprint),
    fingerprint,
    maxChunkSize: chunkSize(request, 0),
  };
}
