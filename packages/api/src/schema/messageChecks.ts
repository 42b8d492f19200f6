/**
 * Message-level checks of the generated schemas: oneof groups (at most one member set) and the
 * SDK's `required` rules. They are object-level refinements, so a message's inferred type stays
 * the same and every field stays optional in TypeScript.
 */
import type { z } from 'zod';

/** What one message checks beyond its fields' own schemas. */
export interface MessageCheckSpec {
  /** Oneof groups by name: the JSON names of their members. */
  readonly oneofs?: Readonly<Record<string, readonly string[]>>;
  /** JSON names of the fields the SDK requires: a message present, a string non-empty. */
  readonly required?: readonly string[];
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** The refinement checking a message's oneofs and required fields. */
export function messageChecks(spec: MessageCheckSpec): (value: Record<string, unknown>, context: z.RefinementCtx) => void {
  const oneofs = Object.entries(spec.oneofs ?? {});
  const required = spec.required ?? [];
  return (value, context) => {
    for (const [group, members] of oneofs) {
      const set = members.filter((member) => isSet(value[member]));
      if (set.length < 2) continue;
      context.addIssue({
        code: 'custom',
        path: [set[1] as string],
        message: `${set.join(' and ')} are members of oneof ${group}: set at most one of ${members.join(', ')}`,
      });
    }
    for (const field of required) {
      const present = value[field];
      if (isSet(present) && present !== '') continue;
      context.addIssue({ code: 'custom', path: [field], message: 'required' });
    }
  };
}
