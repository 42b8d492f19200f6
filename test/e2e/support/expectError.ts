/**
 * Asserts keystream's error model: the HTTP status and one JSON body everywhere,
 * `{"error":{"code":<http>,"status":"<gRPC code>","message":"…","details":[…]}}`.
 */
import { expect } from 'chai';
import type { RestAnswer } from './restClient.js';

/** Fails unless the answer is the error `status` with HTTP `httpStatus`, its message matching `message` when given. */
export function expectError(answer: RestAnswer, httpStatus: number, status: string, message?: RegExp | string): void {
  expect(answer.status, answer.text).to.equal(httpStatus);
  const error = answer.body['error'] as Record<string, unknown> | undefined;
  expect(error, `error body: ${answer.text}`).to.be.an('object');
  expect(error).to.include({ code: httpStatus, status });
  expect(error?.['message']).to.be.a('string').that.is.not.empty;
  expect(error?.['details']).to.be.an('array');
  if (message !== undefined) {
    if (typeof message === 'string') expect(error?.['message']).to.include(message);
    else expect(error?.['message']).to.match(message);
  }
}
