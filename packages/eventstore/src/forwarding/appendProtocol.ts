/**
 * The wire between a process that follows the embedded event log and the one process that writes
 * it (forwardingEventStore.ts, appendServer.ts): newline-delimited JSON over a local stream
 * socket. Each side first proves it knows the secret the writer chose for this start, without
 * sending it: the client opens with a nonce, the writer answers with its own nonce and an HMAC of
 * both, and the client, once that checks out, answers with its HMAC. So a process squatting on
 * the writer's address learns nothing and is never taken for the writer, and a client without
 * the secret appends nothing. Then each line is a request carrying an id, answered by one line
 * with the same id, in whatever order the appends finish, so appends of many requests share the
 * writer's commits. Errors cross as data and are thrown again as the same classes, so a caller
 * cannot tell a forwarded append from a local one. A request may also ask the writer to settle a
 * position (SettleRequestSchema): a replica's read-your-writes for what the writer's process
 * managers make in reaction to a write.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isStorageExhausted, KeystreamError, markStorageExhausted, STATUS_CODES, type ErrorDetail, type StatusCode } from '@keystream/api';
import { z } from 'zod';
import { DuplicateEventIdError } from '../errors/duplicateEventIdError.js';
import { WrongExpectedVersionError } from '../errors/wrongExpectedVersionError.js';
import type { NewEvent, StreamAppend } from '../eventStore.js';

/** The longest line either side accepts (a command's events are far smaller; the body limit is 1 MiB). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

const ExpectedRevisionSchema = z.union([z.number().int().nonnegative(), z.literal('no_stream'), z.literal('any')]);
// Anything JSON.parse produced is JSON already: only the envelope needs checking.
const JsonObjectSchema = z.record(z.string(), z.unknown());
const NewEventSchema = z.object({
  id: z.string(),
  type: z.string(),
  data: JsonObjectSchema,
  metadata: z.object({
    actor: z.string(),
    requestId: z.string(),
    correlationId: z.string(),
    causationId: z.string(),
    occurredAt: z.string(),
    schema: z.number(),
    requestFingerprint: z.string().optional(),
  }),
});
const StreamAppendSchema = z.object({ stream: z.string(), events: z.array(NewEventSchema), expectedRevision: ExpectedRevisionSchema });

/** The client's first line. */
export const HelloSchema = z.object({ hello: z.string().regex(/^[0-9a-f]{64}$/) });
/**
 * The writer's answer to it. `settles`: the writer takes settle requests (SettleRequestSchema); a
 * writer of an earlier version leaves it out and would close the connection on one.
 */
export const ChallengeSchema = z.object({ challenge: z.string().regex(/^[0-9a-f]{64}$/), proof: z.string(), settles: z.boolean().optional() });
/** The client's second line. */
export const ProofSchema = z.object({ proof: z.string() });

/** A fresh nonce for the handshake. */
export function nonce(): string {
  return randomBytes(32).toString('hex');
}

/** What `side` sends to prove it knows `secret`, bound to both nonces of this connection. */
export function proofOf(secret: string, side: 'writer' | 'replica', clientNonce: string, writerNonce: string): string {
  return createHmac('sha256', secret).update(`keystream-appends:${side}:${clientNonce}:${writerNonce}`).digest('hex');
}

/** Whether a proof received equals the one expected (constant time). */
export function sameProof(received: string, expected: string): boolean {
  const left = Buffer.from(received, 'utf8');
  const right = Buffer.from(expected, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A request line: the appends of one call (one for `append`), all or nothing. */
export const AppendRequestSchema = z.object({ id: z.number().int(), appends: z.array(StreamAppendSchema) });
export type AppendRequest = z.infer<typeof AppendRequestSchema>;

/**
 * A request line asking the writer to settle a position: to answer once what its own process
 * reacts with to the log up to `settle` (its process managers' commands) is in the log, with the
 * position a reader must reach to see it; UNAVAILABLE after `timeoutMs`.
 */
export const SettleRequestSchema = z.object({ id: z.number().int(), settle: z.string().min(1), timeoutMs: z.number().int().positive() });
export type SettleRequest = z.infer<typeof SettleRequestSchema>;

/** Any request line. */
export const ForwardedRequestSchema = z.union([AppendRequestSchema, SettleRequestSchema]);

const StatusCodeSchema = z.enum(Object.keys(STATUS_CODES).filter((code) => code !== 'OK') as [StatusCode, ...StatusCode[]]);
const AppendResultSchema = z.object({ revision: z.number().int(), position: z.string() });
const WireErrorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('wrongExpectedVersion'), stream: z.string(), expectedRevision: ExpectedRevisionSchema, actualRevision: z.union([z.number().int(), z.literal('no_stream')]) }),
  z.object({ kind: z.literal('duplicateEventId'), stream: z.string(), duplicateIds: z.array(z.string()) }),
  z.object({
    kind: z.literal('keystream'),
    code: StatusCodeSchema,
    message: z.string(),
    details: z.array(z.record(z.string(), z.unknown())),
    // The status the writer answers with (a full disk is 507, not RESOURCE_EXHAUSTED's 429) and the headers it asks for.
    httpStatus: z.number().int(),
    headers: z.record(z.string(), z.string()),
    // A write refused for lack of storage (isStorageExhausted), which consumers keep retrying.
    storageExhausted: z.boolean(),
  }),
  z.object({ kind: z.literal('internal'), message: z.string() }),
]);
/** An error as it crosses the wire. */
export type WireError = z.infer<typeof WireErrorSchema>;

/** An answer line: an append's results in request order, a settle's position, or the error. */
export const AppendAnswerSchema = z.union([
  z.object({ id: z.number().int(), results: z.array(AppendResultSchema) }),
  z.object({ id: z.number().int(), settled: z.string() }),
  z.object({ id: z.number().int(), error: WireErrorSchema }),
]);
export type AppendAnswer = z.infer<typeof AppendAnswerSchema>;

/** What a failed append becomes on the wire. */
export function errorToWire(error: unknown): WireError {
  if (error instanceof WrongExpectedVersionError) return { kind: 'wrongExpectedVersion', stream: error.stream, expectedRevision: error.expectedRevision, actualRevision: error.actualRevision };
  if (error instanceof DuplicateEventIdError) return { kind: 'duplicateEventId', stream: error.stream, duplicateIds: [...error.duplicateIds] };
  if (error instanceof KeystreamError) return { kind: 'keystream', code: error.code, message: error.message, details: [...error.details], httpStatus: error.httpStatus, headers: { ...error.headers }, storageExhausted: isStorageExhausted(error) };
  return { kind: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/** The error a wire error stands for: the class the writer threw, so callers handle it alike. */
export function errorFromWire(wire: WireError): Error {
  switch (wire.kind) {
    case 'wrongExpectedVersion':
      return new WrongExpectedVersionError(wire.stream, wire.expectedRevision, wire.actualRevision);
    case 'duplicateEventId':
      return new DuplicateEventIdError(wire.stream, wire.duplicateIds);
    case 'keystream': {
      const error = new KeystreamError(wire.code, wire.message, wire.details as ErrorDetail[], { httpStatus: wire.httpStatus, headers: wire.headers });
      return wire.storageExhausted ? markStorageExhausted(error) : error;
    }
    case 'internal':
      return new Error(`the event log's writer failed the append: ${wire.message}`);
  }
}

/** The appends of a request, as the store's port takes them (the schema checked their envelope; data is JSON as parsed). */
export function appendsOf(request: AppendRequest): StreamAppend[] {
  return request.appends.map((append) => ({ stream: append.stream, events: append.events as NewEvent[], expectedRevision: append.expectedRevision }));
}

/**
 * Splits a byte stream into lines and hands each to `onLine`; a line longer than MAX_FRAME_BYTES
 * calls `onOverflow` instead (the peer is broken or hostile: the connection should end).
 */
export function lineReader(onLine: (line: string) => void, onOverflow: () => void): (chunk: Buffer) => void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  return (chunk) => {
    let start = 0;
    for (let newline = chunk.indexOf(10, start); newline >= 0; newline = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, newline);
      const line = pending.length === 0 ? piece.toString('utf8') : Buffer.concat([...pending, piece]).toString('utf8');
      pending = [];
      pendingBytes = 0;
      start = newline + 1;
      if (line !== '') onLine(line);
    }
    if (start < chunk.length) {
      pendingBytes += chunk.length - start;
      if (pendingBytes > MAX_FRAME_BYTES) {
        pending = [];
        pendingBytes = 0;
        onOverflow();
        return;
      }
      pending.push(chunk.subarray(start));
    }
  };
}
