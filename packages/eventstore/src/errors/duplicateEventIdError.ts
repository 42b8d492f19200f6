import { KeystreamError } from '@keystream/api';

/** The `reason` of {@link DuplicateEventIdError}. */
export const DUPLICATE_EVENT_ID = 'DUPLICATE_EVENT_ID';

/**
 * An append in which some, but not all, event ids were already in the stream. A full re-append is
 * an idempotent retry; a partial one means two different batches share ids, which is a bug in
 * the caller's id derivation, so it is refused (`ALREADY_EXISTS`) rather than half-applied.
 */
export class DuplicateEventIdError extends KeystreamError {
  /** Always {@link DUPLICATE_EVENT_ID}. */
  readonly reason = DUPLICATE_EVENT_ID;

  constructor(
    readonly stream: string,
    readonly duplicateIds: readonly string[],
  ) {
    super('ALREADY_EXISTS', `stream "${stream}" already holds event id(s) ${duplicateIds.join(', ')} but other events of the batch are new; a retry must resend exactly the original batch`, [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: DUPLICATE_EVENT_ID, domain: 'keystream', metadata: { stream, duplicateIds: duplicateIds.join(',') } },
    ]);
  }
}
