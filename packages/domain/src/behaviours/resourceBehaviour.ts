/**
 * What is particular to one kind of resource, beside its descriptor: which other resources a
 * write refers to, which output-only fields are derived and how, and checks beyond the schema.
 * The generic decider does everything else (names, masks, CAS, immutability, metadata).
 */
import type { FieldViolation, ResourceKind } from '@keystream/api';
import type { JsonObject } from '../events/resourceEvents.js';

/** A resource a write refers to, which must exist for the write to be accepted. */
export interface Reference {
  readonly kind: ResourceKind;
  readonly name: string;
  /** The request field (proto path) that names it, for error messages. */
  readonly field: string;
}

/** What derivation may look at. */
export interface DeriveContext {
  /** States of the referenced resources by name (present: they exist, checked before deriving). */
  readonly references: ReadonlyMap<string, JsonObject | undefined>;
  readonly actor: string;
  /** Now, normalised (see DecideContext.now). */
  readonly now: string;
  /** The resource before this write, for updates. */
  readonly previous?: JsonObject;
}

export interface ResourceBehaviour {
  /** References the resource makes, beyond its parent (which is checked for every kind). */
  readonly references?: (resource: JsonObject) => readonly Reference[];
  /** Returns the resource with its derived fields set. Input output-only fields were already dropped. */
  readonly derive?: (resource: JsonObject, context: DeriveContext) => JsonObject;
  /** Checks that the schema cannot express (member syntax, …). */
  readonly validate?: (resource: JsonObject) => readonly FieldViolation[];
}
