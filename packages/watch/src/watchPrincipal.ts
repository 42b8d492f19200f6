/**
 * Who a watch is opened for, and the authorization hook every watched document passes. Issue 7
 * (authentication) supplies real principals and a real predicate; until then every watch is
 * anonymous and sees everything, like the REST edge.
 */
import type { JsonObject } from '@keystream/readstore';

/** The identity a watch was opened with. */
export interface WatchPrincipal {
  /** `user:alice@example.com`, `serviceAccount:…`, `anonymous`. Part of the match memo's key. */
  readonly subject: string;
}

/** Whether `principal` may see `document` (of `kind`). Must be pure and fast: it runs per change per watch. */
export type CanSee = (principal: WatchPrincipal, document: JsonObject, kind: string) => boolean;

/**
 * The version of the authorization state `canSee` decides on: it moves whenever a decision may
 * have changed. Open watches re-check what they show when it moves.
 */
export type AuthorizationVersion = () => number;

/**
 * Whether the rights of `principal` may have moved since authorization version `since` (default
 * when absent: any move affects every principal). Lets a routine write leave unrelated watches alone.
 */
export type RightsMoved = (principal: WatchPrincipal, since: number) => boolean;

/** The principal of a caller that presented no credentials. */
export const ANONYMOUS: WatchPrincipal = Object.freeze({ subject: 'anonymous' });

/** The default authorization hook: everything is visible. */
export const SEE_EVERYTHING: CanSee = () => true;
