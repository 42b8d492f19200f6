import { KeystreamError } from '@keystream/api';
import type { ExpectedRevision } from '../eventStore.js';

/** The `reason` of {@link WrongExpectedVersionError}, also put in its error detail. */
export const WRONG_EXPECTED_VERSION = 'WRONG_EXPECTED_VERSION';

/**
 * An append whose expected revision did not match the stream: code `ABORTED` (the caller read a
 * stale state and may re-read and retry), carrying the stream's actual revision.
 */
export class WrongExpectedVersionError extends KeystreamError {
  /** Always {@link WRONG_EXPECTED_VERSION}, for callers that test reasons rather than classes. */
  readonly reason = WRONG_EXPECTED_VERSION;

  constructor(
    readonly stream: string,
    readonly expectedRevision: ExpectedRevision,
    /** The stream's last revision, or `no_stream` when it does not exist. */
    readonly actualRevision: number | 'no_stream',
    options?: { readonly cause?: unknown },
  ) {
    super(
      'ABORTED',
      `stream "${stream}" is at revision ${actualRevision} but the append expected ${expectedRevision}; re-read the resource and retry`,
      [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: WRONG_EXPECTED_VERSION, domain: 'keystream', metadata: { stream, expectedRevision: String(expectedRevision), actualRevision: String(actualRevision) } }],
      options,
    );
  }
}

/** True when the value is a {@link WrongExpectedVersionError}. */
export function isWrongExpectedVersionError(value: unknown): value is WrongExpectedVersionError {
  return value instanceof WrongExpectedVersionError;
}
