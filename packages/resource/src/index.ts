/**
 * @keystream/resource — the generic, pure machinery every method of every resource uses:
 * names, field paths and masks, views, filters → MongoDB queries, order_by, page cursors, CAS and
 * response masks. Descriptor-driven: nothing here knows a particular resource.
 */
export { parseName, WILDCARD_SEGMENT } from './names/parseName.js';
export type { ParsedName, ParseNameOptions } from './names/parseName.js';
export { parseParent } from './names/parseParent.js';
export type { ParsedParent } from './names/parseParent.js';
export { formatName } from './names/formatName.js';
export { parentOf } from './names/parentOf.js';
export { parentQuery } from './names/parentQuery.js';
export { escapeRegex, hasWildcard, nameRegex } from './names/nameRegex.js';
export { generateId } from './names/generateId.js';

export { resolveFieldPath } from './paths/resolveFieldPath.js';
export type { PathTarget, ResolvedPath } from './paths/resolveFieldPath.js';
export { fieldMaskOf, parseFieldMask, pathCovers } from './paths/fieldMask.js';
export type { FieldMask } from './paths/fieldMask.js';
export { applyFieldMask } from './paths/applyFieldMask.js';
export { mergeMasked } from './paths/mergeMasked.js';
export { diffPaths } from './paths/diffPaths.js';
export { maskTouches } from './paths/maskTouches.js';
export { resolveView } from './paths/resolveView.js';
export type { ViewName } from './paths/resolveView.js';
export { normalizeTimestamp, timestampOfDate } from './paths/normalizeTimestamp.js';
export { normalizeTimestamps } from './paths/normalizeTimestamps.js';

export { parseFilter, MAX_FILTER_DEPTH, MAX_FILTER_LENGTH } from './filter/parseFilter.js';
export type { CompareOperator, Filter, FilterField, FilterNode, FilterValue, ValueKind } from './filter/filterAst.js';
export { compileFilter } from './filter/compileFilter.js';
export { assertFilterCost, filterCost, LIKE_WORD_COST, MAX_FILTER_COST, MAX_LIKE_PATTERN_LENGTH } from './filter/filterCost.js';
export { likeRegex } from './filter/likeRegex.js';
export { likeMatcher, likeShape } from './filter/likeMatcher.js';
export type { LikeMatcher, LikeShape } from './filter/likeMatcher.js';
export { filterQuery, toMongoDriverQuery } from './filter/filterQuery.js';
export { LIKE_OPERATOR } from './filter/mongoQuery.js';
export type { MongoQuery, MongoSort } from './filter/mongoQuery.js';

export { formatOrderBy, parseOrderBy } from './ordering/orderBy.js';
export type { OrderBy, OrderByField } from './ordering/orderBy.js';
export { compileSort } from './ordering/compileSort.js';
export { compareDocuments, compareSortValues, sortValuesOf, valueAtPath } from './ordering/sortValues.js';
export type { SortValue } from './ordering/sortValues.js';

export { decodePageToken, encodePageToken } from './paging/pageToken.js';
export type { PageToken, PageTokenKey } from './paging/pageToken.js';
export { queryFingerprint } from './paging/queryFingerprint.js';
export { andQueries, collectionQuery } from './paging/collectionQuery.js';
export type { CollectionQuery, CollectionSelection, ExtraCondition } from './paging/collectionQuery.js';
export type { FingerprintedQuery } from './paging/queryFingerprint.js';
export { cursorQuery } from './paging/cursorQuery.js';
export { pageQuery } from './paging/pageQuery.js';
export type { PagePlan, PageRequest } from './paging/pageQuery.js';
export { pageResult } from './paging/pageResult.js';
export type { Page, PageTokenContext } from './paging/pageResult.js';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, resolvePageSize } from './paging/pageSize.js';

export { checkCas } from './updates/checkCas.js';
export type { Cas } from './updates/checkCas.js';
export { applyResponseMask } from './updates/applyResponseMask.js';
export type { ResponseMask } from './updates/applyResponseMask.js';
