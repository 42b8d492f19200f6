/**
 * Test helper: runs `action` and returns the KeystreamError it throws (failing otherwise).
 */
import { isKeystreamError, type KeystreamError, type StatusCode } from '@keystream/api';
import { expect } from 'chai';

/** The KeystreamError `action` throws; asserts it has `code` and that its message contains `fragment`. */
export function expectError(action: () => unknown, code: StatusCode, fragment?: string): KeystreamError {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(isKeystreamError(thrown), `expected a KeystreamError, got ${String(thrown)}`).to.equal(true);
  const error = thrown as KeystreamError;
  expect(error.code).to.equal(code);
  if (fragment !== undefined) expect(error.message).to.contain(fragment);
  return error;
}
