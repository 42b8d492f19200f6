/**
 * The command envelope: who writes, and the ids that tie every event of one request together.
 * Built once per request (by the request pipeline, or by whoever writes as the system) and handed
 * to the command core, which stamps it on every event it appends.
 */
import { randomUUID } from 'node:crypto';
import { timestampOfDate } from '@keystream/resource';
import { requestFingerprint } from '../core/deterministicIds.js';

/** Who asks, and the request's identity for idempotency and tracing. */
export interface CommandEnvelope {
  /** `user:alice@example.com`, `serviceAccount:…`, `anonymous`, `system`. */
  readonly actor: string;
  /** The request's id: the caller's `x-request-id`, else one generated for this request. */
  readonly requestId: string;
  /**
   * The caller's `x-request-id` when it sent one: event ids and generated names derive from it,
   * so a retry with the same key appends nothing new and answers the first attempt's result.
   */
  readonly idempotencyKey?: string | undefined;
  /** The request everything this write belongs to started from (equals `requestId` for a request). */
  readonly correlationId: string;
  /** What caused this write: the request id for a request, the event id for a follow-up write. */
  readonly causationId: string;
  /** When the request happened, in the canonical timestamp form of every resource (RFC 3339, UTC, nine fraction digits). */
  readonly occurredAt: string;
  /**
   * Digest of the caller's request (actor, method, message as sent) when it came with an
   * `x-request-id`: a retry under that id must repeat it, another request is refused. The system's
   * own writes carry none (they are re-derived on every replay).
   */
  readonly requestFingerprint?: string | undefined;
}

/**
 * The envelope of one request by `actor`, with the caller's request id if it sent one, and the
 * request as sent (method and message) that a retry under that id must repeat.
 */
export function requestEnvelope(actor: string, callerRequestId: string | undefined, now: Date, request?: unknown): CommandEnvelope {
  const requestId = callerRequestId ?? randomUUID();
  const requestFingerprintOf = callerRequestId === undefined || request === undefined ? undefined : requestFingerprint(actor, request);
  return {
    actor,
    requestId,
    idempotencyKey: callerRequestId,
    correlationId: requestId,
    causationId: requestId,
    occurredAt: timestampOfDate(now),
    ...(requestFingerprintOf === undefined ? {} : { requestFingerprint: requestFingerprintOf }),
  };
}

/** The envelope of a write the system makes on its own (seeding built-ins, tests setting a world up). */
export function systemEnvelope(now: Date = new Date(), idempotencyKey?: string): CommandEnvelope {
  return requestEnvelope('system', idempotencyKey, now);
}

/**
 * The envelope of a write that follows from another one in the same request (an owner binding, a
 * cascade): made by the system, correlated with the original request, caused by `causationId`
 * (the event that made it necessary), and idempotent under a key derived from the original's, so
 * retrying the original never repeats nor misses the follow-up.
 */
export function followUpEnvelope(cause: CommandEnvelope, causationId: string, step: string): CommandEnvelope {
  const key = `${cause.idempotencyKey ?? causationId}${step}`;
  return { actor: 'system', requestId: key, idempotencyKey: key, correlationId: cause.correlationId, causationId, occurredAt: cause.occurredAt };
}

/**
 * The envelope of one of several writes a handler makes for its caller (a user of a batch, the
 * key of a new account): the caller's actor and ids, idempotent under a key derived from the
 * caller's, so a retried request repeats none of its steps.
 */
export function stepEnvelope(envelope: CommandEnvelope, step: string): CommandEnvelope {
  return { ...envelope, idempotencyKey: envelope.idempotencyKey === undefined ? undefined : `${envelope.idempotencyKey}${step}` };
}

/** What {@link reactionEnvelope} reads of the event reacted to. */
export interface CausingEvent {
  readonly id: string;
  readonly metadata: { readonly correlationId: string };
}

/**
 * The envelope of a command a process manager issues in reaction to `event` (read from `$all`,
 * after the request that wrote it has been answered): the system's, correlated with the request the
 * event belongs to, caused by the event, and idempotent per event and step, so handing the same
 * event over again after a crash appends nothing new.
 */
export function reactionEnvelope(event: CausingEvent, step: string, now: Date): CommandEnvelope {
  const key = `${event.id}${step}`;
  return { actor: 'system', requestId: key, idempotencyKey: key, correlationId: event.metadata.correlationId, causationId: event.id, occurredAt: timestampOfDate(now) };
}
