/**
 * Everything a decider needs besides the command and the state, gathered by the command handler
 * before deciding, so that deciding stays pure and replayable: the clock, fresh identifiers, who
 * acts, and the write-model state of every resource the command refers to.
 */
import type { JsonObject } from '../events/resourceEvents.js';

export interface DecideContext {
  /** Now, as a normalised RFC 3339 timestamp (the resource kit's stored form). */
  readonly now: string;
  /** A fresh UUID for `metadata.uuid` of a created resource. */
  readonly uuid: string;
  /** The principal issuing the command: `user:alice@example.com`, `serviceAccount:…`, `system`. */
  readonly actor: string;
  /**
   * Current state of the resources the command refers to (its parent, a binding's role, …), by
   * name; `undefined` when the resource does not exist. Filled from {@link referencesOf}.
   */
  readonly references: ReadonlyMap<string, JsonObject | undefined>;
  /** For deletes: how many resources have this one as their parent (children block deletion). */
  readonly childCount?: number;
}
