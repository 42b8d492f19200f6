import { KeystreamError } from '@keystream/api';
import type { Position } from '../position.js';

/** The `reason` of {@link ChangeLogExpiredError}. */
export const EXPIRED = 'EXPIRED';

/**
 * Asked for changes after a position older than the change log's retention: code `OUT_OF_RANGE`
 * with reason `EXPIRED`. A watch answers it with a hard reset and a fresh snapshot.
 */
export class ChangeLogExpiredError extends KeystreamError {
  /** Always {@link EXPIRED}. */
  readonly reason = EXPIRED;

  constructor(
    readonly requested: Position,
    /** Entries up to and including this position have been pruned. */
    readonly prunedThrough: Position,
  ) {
    super('OUT_OF_RANGE', `changes after position "${requested}" are no longer retained (pruned through "${prunedThrough}"); take a fresh snapshot and tail from its head`, [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: EXPIRED, domain: 'keystream', metadata: { requested, prunedThrough } },
    ]);
  }
}

/** True when the value is a {@link ChangeLogExpiredError}. */
export function isChangeLogExpiredError(value: unknown): value is ChangeLogExpiredError {
  return value instanceof ChangeLogExpiredError;
}
