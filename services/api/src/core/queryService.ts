/**
 * The query core. Get reads the write model (strongly consistent); BatchGet, List and Search read
 * the read model with the resource kit's filters, ordering and keyset page tokens, after waiting
 * (bounded) for the read model to reach the caller's minimum position.
 */
import { KeystreamError, resourceByKind, type ResourceDescriptor, type ResourceKind } from '@keystream/api';
import type { JsonObject } from '@keystream/domain';
import type { CountOptions, PhraseHint, ReadStore } from '@keystream/readstore';
import {
  andQueries,
  applyFieldMask,
  collectionQuery,
  compileSort,
  cursorQuery,
  decodePageToken,
  escapeRegex,
  pageQuery,
  pageResult,
  parseName,
  resolvePageSize,
  resolveView,
  sortValuesOf,
  type MongoQuery,
  type OrderBy,
  type PageTokenKey,
} from '@keystream/resource';
import type { ProjectionProgress } from './projectionProgress.js';
import type { ResourceRepository } from './resourceRepository.js';

/** How a caller asks for less than whole resources. */
export interface Projection {
  readonly view?: string | undefined;
  readonly fieldMask?: readonly string[] | undefined;
}

/** A List or Search request, in internal form. */
export interface CollectionRequest extends Projection {
  readonly parent?: string | undefined;
  readonly filter?: string | undefined;
  readonly orderBy?: string | undefined;
  readonly pageSize?: number | undefined;
  readonly pageToken?: string | undefined;
  readonly includePagingInfo?: boolean | undefined;
  /** Search only: a phrase matched, case-insensitively, against names and titles. */
  readonly phrase?: string | undefined;
}

export interface CollectionPage {
  readonly items: readonly JsonObject[];
  readonly nextPageToken?: string;
  readonly prevPageToken?: string;
  readonly currentOffset?: number;
  readonly totalResultsCount?: number;
}

export interface QueryServiceOptions {
  readonly pageTokenKey: PageTokenKey;
  /** How long a query waits for the read model to reach the caller's minimum position. */
  readonly minPositionWaitMilliseconds: number;
}

/** Fields a search phrase is matched against, when the resource has them. */
const PHRASE_FIELDS = ['name', 'title', 'displayName', 'description', 'email', 'member', 'fullName'] as const;

/** The fields of a kind a search phrase is matched in (and a text index covers: `mongoIndexes`). */
export function phraseFieldsOf(descriptor: ResourceDescriptor): string[] {
  return PHRASE_FIELDS.filter((field) => descriptor.message.field(field) !== undefined);
}

/** The phrase as a condition: case-insensitively inside one of the phrase fields. */
function phraseQuery(descriptor: ResourceDescriptor, phrase: string | undefined): MongoQuery {
  if (phrase === undefined || phrase.trim() === '') return {};
  const pattern = escapeRegex(phrase.trim());
  return { $or: phraseFieldsOf(descriptor).map((field) => ({ [field]: { $regex: pattern, $options: 'i' } })) };
}

/** The phrase as a hint for the read store's text index (the condition above decides). */
function phraseHint(descriptor: ResourceDescriptor, phrase: string | undefined): { phrase: PhraseHint } | Record<string, never> {
  if (phrase === undefined || phrase.trim() === '') return {};
  return { phrase: { text: phrase.trim(), fields: phraseFieldsOf(descriptor) } };
}

export class QueryService {
  constructor(
    private readonly repository: ResourceRepository,
    private readonly readStore: ReadStore,
    private readonly progress: ProjectionProgress,
    private readonly options: QueryServiceOptions,
  ) {}

  /** Waits until the read model has everything up to `position` (no-op without one). */
  async awaitPosition(position: string | undefined): Promise<void> {
    if (position === undefined || position === '') return;
    await this.progress.waitForPosition(position, this.options.minPositionWaitMilliseconds);
  }

  /** The resource, from the write model, shaped by view and field mask. */
  async get(kind: ResourceKind, name: string, projection: Projection): Promise<JsonObject> {
    const descriptor = resourceByKind(kind);
    parseName(descriptor, name);
    const resource = await this.repository.liveResource(kind, name);
    if (resource === undefined) throw new KeystreamError('NOT_FOUND', `${kind} ${name} does not exist`);
    // Decoded from the log for this call alone: the whole resource needs no copy.
    return this.shape(descriptor, resource, projection, { owned: true });
  }

  /** Found resources in request order, and the names that were not found. */
  async batchGet(kind: ResourceKind, names: readonly string[], projection: Projection): Promise<{ found: JsonObject[]; missing: string[] }> {
    const descriptor = resourceByKind(kind);
    if (names.length === 0) throw KeystreamError.invalidArgument([{ field: 'names', description: 'required: at least one name' }]);
    names.forEach((name, index) => parseName(descriptor, name, { field: `names[${index}]` }));
    const result = await this.readStore.batchGet(kind, names);
    return { found: result.found.map((stored) => this.shape(descriptor, stored.document, projection)), missing: result.missing };
  }

  /**
   * One page of a List or Search. `restriction` narrows it further (a ListMy… method's "what the
   * caller takes part in"); its fingerprint binds page tokens to it.
   */
  async list(kind: ResourceKind, request: CollectionRequest, restriction?: { readonly query: MongoQuery; readonly fingerprint: string }): Promise<CollectionPage> {
    const descriptor = resourceByKind(kind);
    const phrase = phraseQuery(descriptor, request.phrase);
    const extra = restriction === undefined ? phrase : andQueries(phrase, restriction.query);
    const { query: baseQuery, orderBy, fingerprint } = collectionQuery(descriptor, request, { query: extra, fingerprint: restriction === undefined ? (request.phrase ?? '') : `${request.phrase ?? ''}\u0000${restriction.fingerprint}` });
    const pageSize = resolvePageSize(request.pageSize);
    const token = request.pageToken === undefined || request.pageToken === '' ? undefined : decodePageToken(request.pageToken, this.options.pageTokenKey, fingerprint);
    const plan = pageQuery({ query: baseQuery, orderBy, pageSize, token });
    const hint = phraseHint(descriptor, request.phrase);
    // The page token's boundary lets an index walk start there (a deep page costs what the first does).
    const seek = plan.token === undefined ? {} : { seek: { values: plan.token.values } };
    const result = await this.readStore.query(kind, { filter: plan.query, sort: plan.sort, limit: plan.limit, countTotal: false, ...hint, ...seek });
    const page = pageResult(
      plan,
      result.documents.map((stored) => stored.document),
      { key: this.options.pageTokenKey, fingerprint },
    );
    const paging = request.includePagingInfo === true ? await this.pagingInfo(kind, baseQuery, orderBy, page.items[0], hint) : {};
    return {
      items: page.items.map((item) => this.shape(descriptor, item, request)),
      ...(page.nextPageToken === undefined ? {} : { nextPageToken: page.nextPageToken }),
      ...(page.prevPageToken === undefined ? {} : { prevPageToken: page.prevPageToken }),
      ...paging,
    };
  }

  private async pagingInfo(
    kind: ResourceKind,
    baseQuery: MongoQuery,
    orderBy: OrderBy,
    first: JsonObject | undefined,
    hint: CountOptions,
  ): Promise<{ currentOffset: number; totalResultsCount: number }> {
    const totalResultsCount = await this.readStore.count(kind, baseQuery, hint);
    if (first === undefined) return { currentOffset: 0, totalResultsCount };
    // The offset: what precedes the page's first item; the hint lets a store count in order and stop there.
    const values = sortValuesOf(orderBy, first);
    const before = { sort: compileSort(orderBy), values, selection: baseQuery };
    const currentOffset = await this.readStore.count(kind, andQueries(baseQuery, cursorQuery(orderBy, values, 'before', false)), { ...hint, before });
    return { currentOffset, totalResultsCount };
  }

  /**
   * The resource as the view and field mask select it, as a new object, unless the whole of it is
   * asked for and the caller `owned` it (read for this call alone): read-model documents may be
   * cached and shared, so they are always copied.
   */
  private shape(descriptor: ResourceDescriptor, resource: JsonObject, projection: Projection, { owned = false } = {}): JsonObject {
    const mask = resolveView(descriptor, projection.view, projection.fieldMask);
    return mask === undefined && owned ? resource : (applyFieldMask(resource, mask) as JsonObject);
  }
}
