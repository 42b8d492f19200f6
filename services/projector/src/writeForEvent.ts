/**
 * The read-model write one recorded event calls for. The meaning of an event comes from the
 * domain (`documentEffectOf`); this module only turns that effect into the read store's write
 * shape, in the stored form (fixed-width timestamps, see docs/resource-kit.md).
 */
import { isResourceKind, MAX_NESTING_DEPTH, resourceByKind, tooDeepAt, type ResourceDescriptor } from '@keystream/api';
import { documentEffectOf } from '@keystream/domain';
import type { RecordedEvent } from '@keystream/eventstore';
import type { DocumentWrite } from '@keystream/readstore';
import { normalizeTimestamps } from '@keystream/resource';

/** Deepest stored document projected: twice what a request may nest, so nothing valid is refused. */
export const STORED_DOCUMENT_MAX_DEPTH = 2 * MAX_NESTING_DEPTH;

/** Why an event was not turned into a write although it looked like a resource event. */
export type RejectionReason = 'unknown_kind' | 'name_mismatch' | 'invalid_document';

/** Outcome of {@link writeForEvent}. */
export type EventProjection =
  | { readonly outcome: 'write'; readonly write: DocumentWrite }
  /** The event has no read-model effect (not a resource stream, or no resource in its data). */
  | { readonly outcome: 'none' }
  /** The event claims a resource effect the read store cannot take; the projector skips it and warns. */
  | { readonly outcome: 'rejected'; readonly reason: RejectionReason; readonly kind: string; readonly detail: string };

/** Looks a kind up without throwing; the projector caches nothing itself because the registry is a Map. */
function descriptorOf(kind: string): ResourceDescriptor | undefined {
  try {
    return isResourceKind(kind) ? resourceByKind(kind) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The document write for `event`: a put of the resource after the event (timestamps normalised)
 * or a delete, at the event's position. Unknown kinds and documents the store would refuse are
 * rejected here, one event at a time, so that one bad event cannot fail a whole batch.
 */
export function writeForEvent(event: RecordedEvent): EventProjection {
  const effect = documentEffectOf(event);
  if (effect === undefined) return { outcome: 'none' };
  const descriptor = descriptorOf(effect.kind);
  if (descriptor === undefined) {
    return { outcome: 'rejected', reason: 'unknown_kind', kind: effect.kind, detail: `kind ${effect.kind} is not a resource of the contract` };
  }
  switch (effect.op) {
    case 'delete':
      return { outcome: 'write', write: { op: 'delete', kind: effect.kind, name: effect.name, position: event.position } };
    case 'put': {
      if (effect.document['name'] !== effect.name) {
        return {
          outcome: 'rejected',
          reason: 'name_mismatch',
          kind: effect.kind,
          detail: `data.resource.name is ${JSON.stringify(effect.document['name'])}, expected ${JSON.stringify(effect.name)} (from stream ${event.stream})`,
        };
      }
      // Requests are bounded at the edge, but events written before that bound (or by another
      // writer) are not: one document nested deep enough to overflow a recursive step of the
      // store must be skipped, not stop projection for good.
      const deep = tooDeepAt(effect.document, '', STORED_DOCUMENT_MAX_DEPTH);
      if (deep !== undefined) {
        return { outcome: 'rejected', reason: 'invalid_document', kind: effect.kind, detail: `the document nests deeper than ${STORED_DOCUMENT_MAX_DEPTH} levels (at ${deep.slice(0, 200)})` };
      }
      let document;
      try {
        document = normalizeTimestamps(descriptor.message, effect.document);
      } catch (error) {
        return { outcome: 'rejected', reason: 'invalid_document', kind: effect.kind, detail: error instanceof Error ? error.message : String(error) };
      }
      return { outcome: 'write', write: { op: 'put', kind: effect.kind, name: effect.name, position: event.position, document } };
    }
  }
}
