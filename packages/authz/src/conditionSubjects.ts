/**
 * Which documents a grant's resource field conditions must hold on (docs/security.md):
 *
 * - Create: the resource as the request would create it;
 * - Update: the stored resource (what the caller may touch) and the result (what it may make) —
 *   or only the result when the update creates (`allow_missing`);
 * - Get, Delete, Watch and custom methods on one resource: the stored resource, never the request
 *   (a request naming `team=b` says nothing about a stored `team=a`);
 * - a collection (List, a Create's parent) or a resource that does not exist: nothing, so such
 *   grants do not apply (fail closed).
 */
import type { JsonObject } from '@keystream/domain';

/** What is known about the resource a request is about. */
export type ConditionSubjectsInput =
  | { readonly kind: 'create'; readonly body: JsonObject | undefined }
  | { readonly kind: 'update'; readonly stored: JsonObject | undefined; readonly result: JsonObject | undefined }
  | { readonly kind: 'existing'; readonly stored: JsonObject | undefined }
  | { readonly kind: 'collection' };

/** The documents every resource field condition must hold on; empty means "cannot be evaluated". */
export function conditionSubjects(input: ConditionSubjectsInput): JsonObject[] {
  switch (input.kind) {
    case 'create':
      return input.body === undefined ? [] : [input.body];
    case 'update':
      if (input.result === undefined) return [];
      return input.stored === undefined ? [input.result] : [input.stored, input.result];
    case 'existing':
      return input.stored === undefined ? [] : [input.stored];
    case 'collection':
      return [];
    default: {
      const unreachable: never = input;
      throw new Error(`unknown subjects input ${JSON.stringify(unreachable)}`);
    }
  }
}
