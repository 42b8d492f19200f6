/**
 * Message-level checks of the generated schemas: oneof groups (at most one member set). An
 * object-level refinement, so a message's inferred type stays the same. (The SDK's `required`
 * rules govern requests only and are checked where requests are decoded, in the wire codec.)
 */
import type { z } from 'zod';

/** What one message checks beyond its fields' own schemas. */
export interface MessageCheckSpec {
  /** Oneof groups by name: the JSON names of their members. */
  readonly oneofs?: Readonly<Record<string, readonly string[]>>;
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** The refinement checking a message's oneof groups. */
export function messageChecks(spec: MessageCheckSpec): (value: Record<string, unknown>, context: z.RefinementCtx) => void {
  const oneofs = Object.entries(spec.oneofs ?? {});
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
  };
}
