/**
 * Shapes of the MongoDB documents the kit produces. Plain JSON (regexes as `$regex` strings), so
 * they can be logged, sent to MongoDB as they are, and evaluated in memory by mingo.
 */

/** A MongoDB query (filter) document. */
export type MongoQuery = { readonly [key: string]: unknown };

/** A MongoDB sort document: field → 1 (ascending) or -1 (descending); key order is significant. */
export type MongoSort = { readonly [path: string]: 1 | -1 };

/**
 * keystream's LIKE operator, `{path: {$like: pattern}}`: evaluated in memory by a linear-time
 * matcher (`filterQuery`), rewritten to a `$regex` for MongoDB (`toMongoDriverQuery`).
 */
export const LIKE_OPERATOR = '$like';
