/** Which failures of a consumer's handler, checkpoint or subscription are worth another attempt. */
import { isKeystreamError, type StatusCode } from '@keystream/api';

/**
 * Codes that say "this will fail again": bad arguments, a closed store, corrupt data. Anything
 * else, including errors that are not KeystreamErrors (network errors of a driver), is worth
 * another attempt.
 */
const PERMANENT_CODES: ReadonlySet<StatusCode> = new Set<StatusCode>([
  'INVALID_ARGUMENT',
  'FAILED_PRECONDITION',
  'OUT_OF_RANGE',
  'DATA_LOSS',
  'UNIMPLEMENTED',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
]);

/** Whether retrying `error` can help. */
export function isTransientError(error: unknown): boolean {
  if (isKeystreamError(error)) return !PERMANENT_CODES.has(error.code);
  return true;
}
